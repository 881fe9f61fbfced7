#ifndef CMEETUDP_H
#define CMEETUDP_H

/* The few UDP socket calls MeetRTC's batched writer and reader make that
   Swift's Glibc module does not expose (sendmmsg(2), recvmmsg(2) and
   struct mmsghdr need _GNU_SOURCE).
   Nothing here allocates; the caller owns every buffer. */

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Layout-identical to glibc's `struct mmsghdr` (checked in shim.c).
typedef struct {
    struct msghdr msg_hdr;
    unsigned int msg_len;
} meet_udp_mmsghdr;

/// 1 where `meet_udp_sendmmsg` is a real sendmmsg(2) (Linux), else 0.
int meet_udp_has_sendmmsg(void);

/// sendmmsg(2): sends up to `count` datagrams; returns how many were sent,
/// or -1 with errno set when the first one failed. Elsewhere: -1, ENOSYS.
int meet_udp_sendmmsg(int descriptor, meet_udp_mmsghdr *messages, unsigned int count, int flags);

/// recvmmsg(2) without blocking (MSG_DONTWAIT) and without a timeout:
/// returns how many datagrams were received, or -1 with errno set (EAGAIN
/// when none is waiting). Elsewhere: -1, ENOSYS.
int meet_udp_recvmmsg(int descriptor, meet_udp_mmsghdr *messages, unsigned int count);

/// A non-blocking, close-on-exec UDP socket of `family` (AF_INET or
/// AF_INET6), or -1 with errno set.
int meet_udp_socket(int family);

/// Attaches a classic BPF program to `descriptor`'s SO_REUSEPORT group
/// (SO_ATTACH_REUSEPORT_CBPF) that sends every datagram to the group's
/// socket number `index`: how tests and meet-sfu-bench force the hand-off
/// between workers. Returns 0, or -1 with errno set (ENOSYS off Linux).
int meet_udp_steer_all(int descriptor, unsigned int index);

#ifdef __cplusplus
}
#endif

#endif
