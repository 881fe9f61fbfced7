#ifndef CSFUBENCHALLOC_H
#define CSFUBENCHALLOC_H

/// Heap allocations made by the whole process so far (malloc, calloc,
/// realloc, memalign family), or -1 where counting is unsupported.
/// Linked only into meet-sfu-bench: the executable's definitions of malloc
/// and friends interpose glibc's and forward to __libc_*.
long meet_bench_allocations(void);

/// Heap allocations made so far by the calling thread, or -1 where
/// counting is unsupported.
long meet_bench_thread_allocations(void);

/// The sampling period of allocation tracing: N from the environment
/// variable MEET_BENCH_ALLOC_TRACE (every Nth allocation of a traced thread
/// records its call stack), or 0 when tracing is off or unsupported.
int meet_bench_trace_period(void);

/// Starts (1) or stops (0) recording call stacks of the calling thread's
/// allocations (only when `meet_bench_trace_period() > 0`).
void meet_bench_trace_thread(int enabled);

/// Writes the `top` most frequent recorded call stacks to stderr, each frame
/// symbolized (llvm-symbolizer, then swift-demangle, when found on PATH),
/// skipping the allocator's own frames; then forgets them. Call it with no
/// thread tracing.
void meet_bench_trace_report(int top, const char *title);

#endif
