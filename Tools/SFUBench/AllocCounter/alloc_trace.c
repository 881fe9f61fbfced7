// Allocation call-stack sampling for meet-sfu-bench (MEET_BENCH_ALLOC_TRACE=N).
//
// A thread that opted in (meet_bench_trace_thread) records the stack of
// every Nth allocation with glibc's backtrace() into a fixed table (no
// allocation of its own while recording); the report symbolizes the most
// frequent stacks with llvm-symbolizer and swift-demangle. Only the
// benchmark's diagnostics use it: the counters in alloc.c stay exact.
#define _GNU_SOURCE
#include "CSFUBenchAlloc.h"
#include "alloc_trace.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__linux__) && defined(__GLIBC__)
#include <dlfcn.h>
#include <execinfo.h>

enum { MAX_FRAMES = 28, TABLE_SIZE = 4096, SKIPPED_FRAMES = 2, PRINTED_FRAMES = 14 };

struct stack_record {
    long count;
    int depth;
    void *frames[MAX_FRAMES];
};

static struct stack_record table[TABLE_SIZE];
static long dropped_samples;
static int trace_lock;
static int period = -1;
static __thread int traced;
static __thread int busy;
static __thread long sample_counter;

int meet_bench_trace_period(void) {
    if (period < 0) {
        const char *value = getenv("MEET_BENCH_ALLOC_TRACE");
        int parsed = value ? atoi(value) : 0;
        period = parsed > 0 ? parsed : 0;
    }
    return period;
}

void meet_bench_trace_thread(int enabled) {
    if (meet_bench_trace_period() == 0) return;
    if (enabled) {
        // backtrace() loads the unwinder (and allocates) on its first call: do that now.
        void *warm[4];
        busy = 1;
        backtrace(warm, 4);
        busy = 0;
    }
    traced = enabled;
}

static uint64_t hash_frames(void *const *frames, int depth) {
    uint64_t hash = 1469598103934665603ULL;
    for (int i = 0; i < depth; i++) {
        hash ^= (uint64_t)(uintptr_t)frames[i];
        hash *= 1099511628211ULL;
    }
    return hash;
}

static void record(void *const *frames, int depth) {
    while (__atomic_exchange_n(&trace_lock, 1, __ATOMIC_ACQUIRE)) {}
    uint64_t hash = hash_frames(frames, depth);
    for (int probe = 0; probe < TABLE_SIZE; probe++) {
        struct stack_record *slot = &table[(hash + probe) % TABLE_SIZE];
        if (slot->count == 0) {
            slot->depth = depth;
            memcpy(slot->frames, frames, sizeof(void *) * depth);
            slot->count = 1;
            goto done;
        }
        if (slot->depth == depth && memcmp(slot->frames, frames, sizeof(void *) * depth) == 0) {
            slot->count++;
            goto done;
        }
    }
    dropped_samples++;
done:
    __atomic_store_n(&trace_lock, 0, __ATOMIC_RELEASE);
}

void meet_bench_trace_allocation(void) {
    if (!traced || busy) return;
    if (++sample_counter % period != 0) return;
    busy = 1;
    void *frames[MAX_FRAMES];
    int depth = backtrace(frames, MAX_FRAMES);
    record(frames, depth);
    busy = 0;
}

static int by_count_descending(const void *a, const void *b) {
    long x = ((const struct stack_record *)a)->count, y = ((const struct stack_record *)b)->count;
    return (x < y) - (x > y);
}

/// Symbolizes one "module offset" line per frame through llvm-symbolizer and
/// swift-demangle; returns the output file (one frame per line) or NULL.
static FILE *symbolize(const char *input_path, const char *output_path) {
    char command[1024];
    snprintf(command, sizeof command,
             "llvm-symbolizer --inlines < %s 2>/dev/null"
             " | awk 'BEGIN{RS=\"\"; FS=\"\\n\"} {line=\"\"; for (i=1; i<NF; i+=2) {loc=$(i+1); sub(/.*\\//, \"\", loc); line = line (i>1 ? \" <- \" : \"\") $i \" (\" loc \")\"} print line}'"
             " | (swift-demangle --simplified 2>/dev/null || cat) > %s",
             input_path, output_path);
    if (system(command) != 0) return NULL;
    return fopen(output_path, "r");
}

void meet_bench_trace_report(int top, const char *title) {
    if (meet_bench_trace_period() == 0) return;
    qsort(table, TABLE_SIZE, sizeof table[0], by_count_descending);
    long total = 0;
    for (int i = 0; i < TABLE_SIZE; i++) total += table[i].count;
    fprintf(stderr, "# allocation stacks (%s): %ld samples, every %d allocation(s) of the traced thread; %ld not recorded (table full)\n",
            title, total, period, dropped_samples);
    char input_path[] = "/tmp/meet-bench-frames-XXXXXX";
    int fd = mkstemp(input_path);
    FILE *input = fd >= 0 ? fdopen(fd, "w") : NULL;
    int shown = 0;
    for (int i = 0; i < TABLE_SIZE && i < top && table[i].count > 0; i++, shown++) {
        for (int f = SKIPPED_FRAMES; f < table[i].depth && f < SKIPPED_FRAMES + PRINTED_FRAMES; f++) {
            Dl_info info;
            uintptr_t address = (uintptr_t)table[i].frames[f] - 1;  // the call, not the return address
            if (input && dladdr((void *)address, &info) && info.dli_fname) {
                fprintf(input, "%s 0x%lx\n", info.dli_fname, (unsigned long)(address - (uintptr_t)info.dli_fbase));
            } else if (input) {
                fprintf(input, "[unknown] 0x%lx\n", (unsigned long)address);
            }
        }
    }
    FILE *output = NULL;
    char output_path[sizeof input_path + 4];
    if (input) {
        fclose(input);
        snprintf(output_path, sizeof output_path, "%s.out", input_path);
        output = symbolize(input_path, output_path);
    }
    for (int i = 0; i < shown; i++) {
        fprintf(stderr, "## %ld samples (%.1f%%)\n", table[i].count, total ? 100.0 * table[i].count / total : 0);
        for (int f = SKIPPED_FRAMES; f < table[i].depth && f < SKIPPED_FRAMES + PRINTED_FRAMES; f++) {
            char line[4096];
            if (output && fgets(line, sizeof line, output)) {
                fprintf(stderr, "    %s", line);
            } else {
                fprintf(stderr, "    %p\n", table[i].frames[f]);
            }
        }
    }
    if (output) { fclose(output); unlink(output_path); }
    unlink(input_path);
    memset(table, 0, sizeof table);
    dropped_samples = 0;
}
#else
int meet_bench_trace_period(void) { return 0; }
void meet_bench_trace_thread(int enabled) { (void)enabled; }
void meet_bench_trace_report(int top, const char *title) { (void)top; (void)title; }
void meet_bench_trace_allocation(void) {}
#endif
