#ifndef MEET_MUX_H
#define MEET_MUX_H
/*
 * CMeetMux: a tiny façade over libavformat for meet-recorder. One writer is
 * one file holding one track; frames go in as they came off the wire (no
 * decoding, no transcoding), with a presentation time in milliseconds.
 * Errors are negative AVERROR codes; meet_mux_error_string names them.
 * Nothing of libavformat shows through this header.
 */
#include <stddef.h>
#include <stdint.h>

typedef struct meet_mux meet_mux;

/* The codecs a track can carry. */
enum {
    MEET_MUX_CODEC_VP8 = 1,
    MEET_MUX_CODEC_OPUS = 2,
    MEET_MUX_CODEC_H264 = 3,
};

/* What meet_mux_open needs to write the file header. */
typedef struct {
    int codec;          /* MEET_MUX_CODEC_* */
    const char *format; /* libavformat short name: "webm" or "matroska" */
    int width;          /* video: from the first keyframe */
    int height;
    int sample_rate;    /* audio: 48000 for Opus */
    int channels;       /* audio: 1 or 2 */
    const uint8_t *extradata; /* H.264: the SPS and PPS in Annex B form (the muxer writes avcC) */
    size_t extradata_size;
} meet_mux_params;

/* Opens `path` for writing and writes the header. On success *out is set. */
int meet_mux_open(meet_mux **out, const char *path, const meet_mux_params *params);

/* Writes one frame; pts_ms must not decrease. */
int meet_mux_write(meet_mux *m, const uint8_t *data, size_t length, int64_t pts_ms, int64_t duration_ms, int keyframe);

/* Writes the trailer (duration, cues), closes the file and frees m. */
int meet_mux_close(meet_mux *m);

/* Closes the file without a trailer and frees m (the file is left as it is). */
void meet_mux_abort(meet_mux *m);

/* What a written file holds, read back with libavformat (tests, metadata). */
typedef struct {
    char codec[32];
    char format[64];
    int streams;
    int width;
    int height;
    int sample_rate;
    int64_t start_ms;    /* the first packet's start (the file's place on its segment's timeline) */
    int64_t duration_ms; /* last packet's end minus the first packet's start */
    int64_t packets;
    int64_t keyframes;
    int truncated;       /* the file ends mid-way (a writer that died): the packets before are counted */
} meet_mux_info;

/* Reads every packet of the file's first stream. */
int meet_mux_probe(const char *path, meet_mux_info *info);

/* Copies every readable packet of `in` (a file whose writer died: no
 * trailer, perhaps a torn last cluster) into a new file `out` in the same
 * format with a proper trailer (duration, cues), without transcoding. */
int meet_mux_repair(const char *in, const char *out);

/* The text of an error code, into buf. */
void meet_mux_error_string(int error, char *buf, size_t length);

#endif
