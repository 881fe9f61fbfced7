#ifndef MEET_CSRTP_SHIM_H
#define MEET_CSRTP_SHIM_H
#include <srtp2/srtp.h>
#include <srtp2/cipher.h>

/*
 * libsrtp's cipher type descriptors. They are exported by libsrtp2.so but
 * declared only in headers that are not installed (aes_icm.h, aes_gcm.h).
 * MeetSRTP uses them solely to run the RFC 3711 Appendix B.2 and RFC 7714
 * §16 known-answer vectors against the exact primitives libsrtp uses.
 */
extern const srtp_cipher_type_t srtp_aes_icm_128;
extern const srtp_cipher_type_t srtp_aes_gcm_128;

/* A bare AES-128-ICM cipher; key is key(16) || salt(14). */
static inline srtp_err_status_t meet_srtp_alloc_aes_icm_128(srtp_cipher_t **c) {
    return srtp_cipher_type_alloc(&srtp_aes_icm_128, c, 30, 0);
}

/* A bare AES-128-GCM cipher with a 16-byte tag; key is key(16) || salt(12). */
static inline srtp_err_status_t meet_srtp_alloc_aes_gcm_128(srtp_cipher_t **c) {
    return srtp_cipher_type_alloc(&srtp_aes_gcm_128, c, 28, 16);
}

/* Macro aliases Swift cannot see. */
static inline void meet_srtp_policy_aes_cm_128_hmac_sha1_80(srtp_crypto_policy_t *p) {
    srtp_crypto_policy_set_rtp_default(p);
}

#endif
