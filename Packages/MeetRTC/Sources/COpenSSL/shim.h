#ifndef MEET_COPENSSL_SHIM_H
#define MEET_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/x509.h>
#include <openssl/rand.h>
#include <openssl/hmac.h>
#include <openssl/srtp.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>

/*
 * Static inline wrappers for OpenSSL macros (and one variadic function) that
 * Swift cannot import. Used only inside MeetDTLS; nothing here holds state.
 */

/* EVP_EC_gen is a macro over the variadic EVP_PKEY_Q_keygen. */
static inline EVP_PKEY *meet_ec_p256_keygen(void) {
    return EVP_EC_gen("P-256");
}

static inline int meet_ssl_ctx_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline int meet_ssl_ctx_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

static inline void meet_ssl_ctx_set_read_ahead(SSL_CTX *ctx, int yes) {
    SSL_CTX_set_read_ahead(ctx, yes);
}

/*
 * WebRTC DTLS options: we set the MTU ourselves (there is no socket to ask),
 * no session tickets or cache (every connection has fresh keys), no
 * renegotiation (RFC 8827 does not use it).
 */
static inline void meet_ssl_ctx_set_webrtc_options(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
}

/* Sets the link MTU (the datagram size, headers included: RFC 6347 §4.1.1.1). */
static inline int meet_dtls_set_link_mtu(SSL *ssl, long mtu) {
    return (int)DTLS_set_link_mtu(ssl, mtu);
}

/*
 * Time left on the DTLS retransmission timer in microseconds, or -1 when no
 * timer runs. OpenSSL rounds anything under 15 ms down to 0 (expired).
 */
static inline int64_t meet_dtls_timeout_us(SSL *ssl) {
    struct timeval tv;
    memset(&tv, 0, sizeof(tv));
    if (DTLSv1_get_timeout(ssl, &tv) <= 0) {
        return -1;
    }
    return (int64_t)tv.tv_sec * 1000000 + (int64_t)tv.tv_usec;
}

/* 1: retransmitted, 0: timer not expired, -1: too many retransmissions. */
static inline int meet_dtls_handle_timeout(SSL *ssl) {
    return (int)DTLSv1_handle_timeout(ssl);
}

/*
 * Retransmission back-off: the initial and maximum durations (microseconds)
 * are packed into the SSL's app data slot (an integer, not a pointer) so the
 * callback needs no context; each expiry doubles the duration up to the
 * maximum (RFC 6347 §4.2.4.1). OpenSSL 3.0.x calls the callback repeatedly
 * until the duration reaches 15 ms, so the maximum must be at least that
 * (the Swift side clamps it to 16 ms) or the doubling would never stop there.
 */
static unsigned int meet_dtls_timer_cb(SSL *ssl, unsigned int timer_us) {
    uint64_t packed = (uint64_t)(uintptr_t)SSL_get_ex_data(ssl, 0);
    unsigned int initial = (unsigned int)(packed & 0xFFFFFFFFu);
    unsigned int maximum = (unsigned int)(packed >> 32);
    if (maximum < 16000u) {
        maximum = 16000u;
    }
    if (timer_us == 0) {
        return initial == 0 ? 1u : initial;
    }
    if (timer_us >= maximum / 2u) {
        return maximum;
    }
    return timer_us * 2u;
}

static inline void meet_dtls_set_timer(SSL *ssl, unsigned int initial_us, unsigned int maximum_us) {
    uint64_t packed = ((uint64_t)maximum_us << 32) | (uint64_t)initial_us;
    SSL_set_ex_data(ssl, 0, (void *)(uintptr_t)packed);
    DTLS_set_timer_cb(ssl, meet_dtls_timer_cb);
}

/* Memory BIOs: an empty read means "retry later", never end of file. */
static inline void meet_bio_set_mem_eof_return(BIO *bio, int value) {
    BIO_set_mem_eof_return(bio, value);
}

static inline int meet_bio_reset(BIO *bio) {
    return BIO_reset(bio);
}

static inline long meet_bio_pending(BIO *bio) {
    return (long)BIO_ctrl_pending(bio);
}

/* Verification is done by fingerprint after the handshake (RFC 8122 §5);
 * the chain of a self-signed certificate is accepted here. */
static int meet_accept_any_certificate(int preverify_ok, X509_STORE_CTX *ctx) {
    (void)preverify_ok;
    (void)ctx;
    return 1;
}

static inline void meet_ssl_ctx_require_peer_certificate(SSL_CTX *ctx) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       meet_accept_any_certificate);
}

static inline unsigned long meet_srtp_profile_id(SSL *ssl) {
    SRTP_PROTECTION_PROFILE *profile = SSL_get_selected_srtp_profile(ssl);
    return profile == NULL ? 0 : profile->id;
}

/*
 * The smallest ciphertext fragment the negotiated suite can produce, for the
 * record filter after the handshake (MeetDTLS DTLSRecordFilter): OpenSSL 3.0
 * fails the connection on a current-epoch AEAD record shorter than its nonce
 * and tag instead of discarding it. AES-GCM: 8-byte explicit nonce + 16-byte
 * tag; ChaCha20-Poly1305: the tag; CBC: IV + MAC and padding in whole blocks.
 * 0 before a suite is negotiated.
 */
static inline int meet_dtls_min_fragment_length(SSL *ssl) {
    const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
    if (cipher == NULL) {
        return 0;
    }
    int nid = SSL_CIPHER_get_cipher_nid(cipher);
    if (SSL_CIPHER_is_aead(cipher)) {
        return nid == NID_chacha20_poly1305 ? 16 : 24;
    }
    const EVP_CIPHER *evp = EVP_get_cipherbynid(nid);
    const EVP_MD *md = EVP_get_digestbynid(SSL_CIPHER_get_digest_nid(cipher));
    int block = evp == NULL ? 16 : EVP_CIPHER_get_block_size(evp);
    int iv = evp == NULL ? 16 : EVP_CIPHER_get_iv_length(evp);
    int mac = md == NULL ? 20 : EVP_MD_get_size(md);
    if (block < 1) {
        block = 1;
    }
    return iv + ((mac + 1 + block - 1) / block) * block;
}

/*
 * MeetSRTP: HMAC-SHA1 (RFC 2104) for SRTP authentication from precomputed
 * inner and outer SHA-1 states. Each packet copies the two SHA_CTX structs
 * (plain values) and finishes them, so nothing is allocated per packet; the
 * EVP_MAC route allocates twice per packet in OpenSSL 3.0 (the digest
 * context is duplicated on every EVP_MAC_init). The SHA1_* functions are
 * deprecated in 3.0 but exported and use the same SHA-NI/AVX code as EVP.
 */
#include <openssl/sha.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static inline int meet_sha1_init(SHA_CTX *c) {
    return SHA1_Init(c);
}

static inline int meet_sha1_update(SHA_CTX *c, const void *data, size_t length) {
    return SHA1_Update(c, data, length);
}

static inline int meet_sha1_final(unsigned char *digest, SHA_CTX *c) {
    return SHA1_Final(digest, c);
}
#pragma GCC diagnostic pop

#endif
