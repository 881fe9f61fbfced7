// sendfloor: the send-only floor of the SFU benchmark's workload.
//
//   sendfloor COPIES PACKETS SIZE
//
// Sends PACKETS × COPIES UDP datagrams of SIZE bytes over loopback, each
// packet to COPIES receiving sockets (one per subscriber, as an SFU does),
// batched with sendmmsg (up to 64 datagrams a call). Nothing is encrypted,
// routed or received: the receiving sockets are never read, so the kernel
// drops what overflows their buffers, which costs the sender nothing more.
// Prints "cpu_s=<user+system CPU seconds of the sending>".
#define _GNU_SOURCE
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: sendfloor COPIES PACKETS SIZE\n");
        return 2;
    }
    int copies = atoi(argv[1]), packets = atoi(argv[2]), size = atoi(argv[3]);
    if (copies < 1 || copies > 10000 || packets < 1 || size < 1 || size > 65000) {
        fprintf(stderr, "sendfloor: bad arguments\n");
        return 2;
    }
    struct sockaddr_in *targets = calloc(copies, sizeof *targets);
    for (int i = 0; i < copies; i++) {
        int receiver = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t length = sizeof address;
        if (receiver < 0 || bind(receiver, (struct sockaddr *)&address, length) < 0 ||
            getsockname(receiver, (struct sockaddr *)&address, &length) < 0) {
            perror("sendfloor: receiver");
            return 1;
        }
        targets[i] = address;
    }
    int sender = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in source = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (sender < 0 || bind(sender, (struct sockaddr *)&source, sizeof source) < 0) {
        perror("sendfloor: sender");
        return 1;
    }
    char *payload = malloc(size);
    memset(payload, 0x5A, size);
    enum { batch = 64 };
    struct mmsghdr messages[batch];
    struct iovec vectors[batch];
    double start = cpu_seconds();
    long total = (long)packets * copies, sent = 0;
    while (sent < total) {
        int count = 0;
        for (; count < batch && sent + count < total; count++) {
            vectors[count] = (struct iovec){.iov_base = payload, .iov_len = size};
            messages[count] = (struct mmsghdr){0};
            messages[count].msg_hdr.msg_name = &targets[(sent + count) % copies];
            messages[count].msg_hdr.msg_namelen = sizeof targets[0];
            messages[count].msg_hdr.msg_iov = &vectors[count];
            messages[count].msg_hdr.msg_iovlen = 1;
        }
        int done = sendmmsg(sender, messages, count, 0);
        if (done < 0) {
            perror("sendfloor: sendmmsg");
            return 1;
        }
        sent += done;
    }
    printf("cpu_s=%.6f sent=%ld\n", cpu_seconds() - start, sent);
    return 0;
}
