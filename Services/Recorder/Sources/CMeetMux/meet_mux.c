#include "meet_mux.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/avstring.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/mem.h>
#include <string.h>

struct meet_mux {
    AVFormatContext *ctx;
    AVStream *stream;
    AVPacket *packet;
    /* The last timestamp written (stream time base), and whether one was. */
    int64_t last_ts;
    int has_last;
};

/* The Opus identification header (RFC 7845 §5.1) Matroska keeps as CodecPrivate. */
static int opus_head(AVCodecParameters *par, int channels, int sample_rate) {
    uint8_t *head = av_mallocz(19 + AV_INPUT_BUFFER_PADDING_SIZE);
    if (!head) return AVERROR(ENOMEM);
    memcpy(head, "OpusHead", 8);
    head[8] = 1;                        /* version */
    head[9] = (uint8_t)channels;
    head[10] = 0x38; head[11] = 0x01;   /* pre-skip 312, little-endian */
    head[12] = (uint8_t)(sample_rate & 0xff);
    head[13] = (uint8_t)((sample_rate >> 8) & 0xff);
    head[14] = (uint8_t)((sample_rate >> 16) & 0xff);
    head[15] = (uint8_t)((sample_rate >> 24) & 0xff);
    /* output gain 0, mapping family 0 */
    par->extradata = head;
    par->extradata_size = 19;
    par->initial_padding = 312;
    return 0;
}

static int fill_parameters(AVCodecParameters *par, const meet_mux_params *p) {
    switch (p->codec) {
    case MEET_MUX_CODEC_VP8:
    case MEET_MUX_CODEC_H264:
        if (p->width <= 0 || p->height <= 0) return AVERROR(EINVAL);
        par->codec_type = AVMEDIA_TYPE_VIDEO;
        par->codec_id = p->codec == MEET_MUX_CODEC_VP8 ? AV_CODEC_ID_VP8 : AV_CODEC_ID_H264;
        par->width = p->width;
        par->height = p->height;
        if (p->codec == MEET_MUX_CODEC_H264 && p->extradata && p->extradata_size > 0) {
            if (p->extradata_size > 1 << 16) return AVERROR(EINVAL);
            par->extradata = av_mallocz(p->extradata_size + AV_INPUT_BUFFER_PADDING_SIZE);
            if (!par->extradata) return AVERROR(ENOMEM);
            memcpy(par->extradata, p->extradata, p->extradata_size);
            par->extradata_size = (int)p->extradata_size;
        }
        return 0;
    case MEET_MUX_CODEC_OPUS:
        if (p->channels < 1 || p->channels > 2 || p->sample_rate <= 0) return AVERROR(EINVAL);
        par->codec_type = AVMEDIA_TYPE_AUDIO;
        par->codec_id = AV_CODEC_ID_OPUS;
        par->sample_rate = p->sample_rate;
        av_channel_layout_default(&par->ch_layout, p->channels);
        return opus_head(par, p->channels, p->sample_rate);
    default:
        return AVERROR(EINVAL);
    }
}

int meet_mux_open(meet_mux **out, const char *path, const meet_mux_params *params) {
    *out = NULL;
    meet_mux *m = av_mallocz(sizeof(*m));
    if (!m) return AVERROR(ENOMEM);
    int err = avformat_alloc_output_context2(&m->ctx, NULL, params->format, path);
    if (err < 0) goto fail;
    m->stream = avformat_new_stream(m->ctx, NULL);
    m->packet = av_packet_alloc();
    if (!m->stream || !m->packet) { err = AVERROR(ENOMEM); goto fail; }
    if ((err = fill_parameters(m->stream->codecpar, params)) < 0) goto fail;
    m->stream->time_base = (AVRational){1, 1000};
    if ((err = avio_open(&m->ctx->pb, path, AVIO_FLAG_WRITE)) < 0) goto fail;
    /* A recorder that is killed leaves what reached the file: clusters of at
     * most a second, each flushed as it closes, so the loss is about a
     * second rather than the muxer's default 5 s (meet_mux_repair). */
    AVDictionary *options = NULL;
    av_dict_set(&options, "cluster_time_limit", "1000", 0);
    m->ctx->flags |= AVFMT_FLAG_FLUSH_PACKETS;
    err = avformat_write_header(m->ctx, &options);
    av_dict_free(&options);
    if (err < 0) goto fail;
    *out = m;
    return 0;
fail:
    meet_mux_abort(m);
    return err;
}

int meet_mux_write(meet_mux *m, const uint8_t *data, size_t length, int64_t pts_ms, int64_t duration_ms, int keyframe) {
    if (length == 0 || length > INT32_MAX) return AVERROR(EINVAL);
    AVPacket *pkt = m->packet;
    int err = av_new_packet(pkt, (int)length);
    if (err < 0) return err;
    memcpy(pkt->data, data, length);
    pkt->stream_index = 0;
    int64_t ts = av_rescale_q(pts_ms, (AVRational){1, 1000}, m->stream->time_base);
    /* Two frames within one millisecond (a sender's clock under load) would
       repeat a timestamp, which muxers and players reject: one tick later. */
    if (m->has_last && ts <= m->last_ts) ts = m->last_ts + 1;
    m->last_ts = ts;
    m->has_last = 1;
    pkt->pts = pkt->dts = ts;
    pkt->duration = av_rescale_q(duration_ms, (AVRational){1, 1000}, m->stream->time_base);
    if (keyframe) pkt->flags |= AV_PKT_FLAG_KEY;
    /* One stream per file: nothing to interleave, and av_write_frame keeps no queue. */
    err = av_write_frame(m->ctx, pkt);
    av_packet_unref(pkt);
    return err;
}

int meet_mux_close(meet_mux *m) {
    int err = av_write_trailer(m->ctx);
    int closed = avio_closep(&m->ctx->pb);
    av_packet_free(&m->packet);
    avformat_free_context(m->ctx);
    av_free(m);
    return err < 0 ? err : closed;
}

void meet_mux_abort(meet_mux *m) {
    if (!m) return;
    if (m->ctx) {
        if (m->ctx->pb) avio_closep(&m->ctx->pb);
        avformat_free_context(m->ctx);
    }
    av_packet_free(&m->packet);
    av_free(m);
}

int meet_mux_probe(const char *path, meet_mux_info *info) {
    memset(info, 0, sizeof(*info));
    AVFormatContext *ctx = NULL;
    int err = avformat_open_input(&ctx, path, NULL, NULL);
    if (err < 0) return err;
    if ((err = avformat_find_stream_info(ctx, NULL)) < 0) goto done;
    if (ctx->nb_streams < 1) { err = AVERROR_STREAM_NOT_FOUND; goto done; }
    AVStream *s = ctx->streams[0];
    info->streams = (int)ctx->nb_streams;
    av_strlcpy(info->codec, avcodec_get_name(s->codecpar->codec_id), sizeof(info->codec));
    av_strlcpy(info->format, ctx->iformat->name, sizeof(info->format));
    info->width = s->codecpar->width;
    info->height = s->codecpar->height;
    info->sample_rate = s->codecpar->sample_rate;
    AVPacket *pkt = av_packet_alloc();
    if (!pkt) { err = AVERROR(ENOMEM); goto done; }
    int64_t first = INT64_MIN, end = 0;
    while ((err = av_read_frame(ctx, pkt)) >= 0) {
        if (pkt->flags & AV_PKT_FLAG_CORRUPT) { av_packet_unref(pkt); info->truncated = 1; continue; }
        if (pkt->stream_index == 0) {
            int64_t pts = av_rescale_q(pkt->pts, s->time_base, (AVRational){1, 1000});
            int64_t dur = av_rescale_q(pkt->duration, s->time_base, (AVRational){1, 1000});
            if (first == INT64_MIN) first = pts;
            if (pts + dur > end) end = pts + dur;
            info->packets++;
            if (pkt->flags & AV_PKT_FLAG_KEY) info->keyframes++;
        }
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    info->start_ms = first == INT64_MIN ? 0 : first;
    info->duration_ms = first == INT64_MIN ? 0 : end - first;
    if (err != AVERROR_EOF && info->packets > 0) info->truncated = 1;
    err = (err == AVERROR_EOF || info->packets > 0) ? 0 : err;
done:
    avformat_close_input(&ctx);
    return err;
}

int meet_mux_repair(const char *in, const char *out) {
    AVFormatContext *input = NULL, *output = NULL;
    AVPacket *pkt = NULL;
    int err = avformat_open_input(&input, in, NULL, NULL);
    if (err < 0) return err;
    if ((err = avformat_find_stream_info(input, NULL)) < 0) goto done;
    if (input->nb_streams < 1) { err = AVERROR_STREAM_NOT_FOUND; goto done; }
    /* The same muxer the recorder writes with: WebM for VP8 and Opus, else Matroska. */
    enum AVCodecID codec = input->streams[0]->codecpar->codec_id;
    const char *format = (codec == AV_CODEC_ID_VP8 || codec == AV_CODEC_ID_OPUS) ? "webm" : "matroska";
    if ((err = avformat_alloc_output_context2(&output, NULL, format, out)) < 0) goto done;
    AVStream *stream = avformat_new_stream(output, NULL);
    pkt = av_packet_alloc();
    if (!stream || !pkt) { err = AVERROR(ENOMEM); goto done; }
    if ((err = avcodec_parameters_copy(stream->codecpar, input->streams[0]->codecpar)) < 0) goto done;
    stream->codecpar->codec_tag = 0;
    stream->time_base = input->streams[0]->time_base;
    if ((err = avio_open(&output->pb, out, AVIO_FLAG_WRITE)) < 0) goto done;
    if ((err = avformat_write_header(output, NULL)) < 0) goto done;
    int64_t written = 0;
    while (av_read_frame(input, pkt) >= 0) {
        if (pkt->stream_index == 0 && !(pkt->flags & AV_PKT_FLAG_CORRUPT)) {
            av_packet_rescale_ts(pkt, input->streams[0]->time_base, stream->time_base);
            pkt->stream_index = 0;
            pkt->pos = -1;
            if ((err = av_write_frame(output, pkt)) < 0) { av_packet_unref(pkt); goto done; }
            written++;
        }
        av_packet_unref(pkt);
    }
    err = written > 0 ? av_write_trailer(output) : AVERROR_INVALIDDATA;
done:
    av_packet_free(&pkt);
    if (output) {
        if (output->pb) {
            int closed = avio_closep(&output->pb);
            if (err >= 0) err = closed;
        }
        avformat_free_context(output);
    }
    avformat_close_input(&input);
    return err;
}

void meet_mux_error_string(int error, char *buf, size_t length) {
    av_strerror(error, buf, length);
}
