#ifndef MEET_CHIREDIS_SHIM_H
#define MEET_CHIREDIS_SHIM_H
// Only hiredis's RESP reader is used (redisReaderCreate/Feed/GetReply,
// freeReplyObject); SwiftNIO owns the socket.
#include <hiredis/hiredis.h>
#endif
