// Counts heap allocations for meet-sfu-bench by interposing the allocator
// (the technique swift-nio's allocation-counter tests use): symbols defined
// in the executable take precedence over libc's for every shared library,
// including the Swift runtime and libsrtp. glibc only.
//
// Optionally (MEET_BENCH_ALLOC_TRACE=N, see alloc_trace.c) records the call
// stack of every Nth allocation on threads that opted in, to find where the
// allocations left on the forwarding path come from.
#include "CSFUBenchAlloc.h"
#include "alloc_trace.h"
#include <errno.h>
#include <stddef.h>

#if defined(__linux__) && defined(__GLIBC__)

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static long allocations;
/* Per thread as well, so the socket benchmark can count the node's event-loop
   thread alone (static TLS in the executable: reading it never allocates). */
static __thread long thread_allocations;

static inline void count(void) {
    __atomic_fetch_add(&allocations, 1, __ATOMIC_RELAXED);
    thread_allocations++;
    meet_bench_trace_allocation();
}

void *malloc(size_t size) { count(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { count(); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { count(); return __libc_realloc(p, size); }
void *memalign(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    count();
    void *p = __libc_memalign(alignment, size);
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
}
void free(void *p) { __libc_free(p); }

long meet_bench_allocations(void) { return __atomic_load_n(&allocations, __ATOMIC_RELAXED); }
long meet_bench_thread_allocations(void) { return thread_allocations; }
#else
long meet_bench_allocations(void) { return -1; }
long meet_bench_thread_allocations(void) { return -1; }
#endif
