#ifndef MEET_BENCH_ALLOC_TRACE_H
#define MEET_BENCH_ALLOC_TRACE_H
/* Internal to the allocation counter: called from every counted allocation. */
void meet_bench_trace_allocation(void);
#endif
