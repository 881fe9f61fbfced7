// See include/CMeetUDP.h.
#define _GNU_SOURCE
#include "CMeetUDP.h"
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <unistd.h>

#if defined(__linux__)
#include <linux/filter.h>
#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif
_Static_assert(sizeof(meet_udp_mmsghdr) == sizeof(struct mmsghdr), "mmsghdr layout");
_Static_assert(offsetof(meet_udp_mmsghdr, msg_len) == offsetof(struct mmsghdr, msg_len), "mmsghdr layout");

int meet_udp_has_sendmmsg(void) { return 1; }

int meet_udp_sendmmsg(int descriptor, meet_udp_mmsghdr *messages, unsigned int count, int flags) {
    return sendmmsg(descriptor, (struct mmsghdr *)messages, count, flags);
}

int meet_udp_recvmmsg(int descriptor, meet_udp_mmsghdr *messages, unsigned int count) {
    return recvmmsg(descriptor, (struct mmsghdr *)messages, count, MSG_DONTWAIT, NULL);
}

int meet_udp_socket(int family) {
    return socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

int meet_udp_steer_all(int descriptor, unsigned int index) {
    struct sock_filter code[] = { BPF_STMT(BPF_RET | BPF_K, index) };
    struct sock_fprog program = { .len = 1, .filter = code };
    return setsockopt(descriptor, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &program, sizeof(program));
}
#else
int meet_udp_has_sendmmsg(void) { return 0; }

int meet_udp_sendmmsg(int descriptor, meet_udp_mmsghdr *messages, unsigned int count, int flags) {
    (void)descriptor; (void)messages; (void)count; (void)flags;
    errno = ENOSYS;
    return -1;
}

int meet_udp_recvmmsg(int descriptor, meet_udp_mmsghdr *messages, unsigned int count) {
    (void)descriptor; (void)messages; (void)count;
    errno = ENOSYS;
    return -1;
}

int meet_udp_steer_all(int descriptor, unsigned int index) {
    (void)descriptor; (void)index;
    errno = ENOSYS;
    return -1;
}

int meet_udp_socket(int family) {
    int descriptor = socket(family, SOCK_DGRAM, 0);
    if (descriptor < 0) return -1;
    int flags = fcntl(descriptor, F_GETFL, 0);
    if (flags < 0 || fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) < 0 || fcntl(descriptor, F_SETFD, FD_CLOEXEC) < 0) {
        int saved = errno;
        close(descriptor);
        errno = saved;
        return -1;
    }
    return descriptor;
}
#endif
