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

#endif
