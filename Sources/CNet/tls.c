/*
 * TLS contexts. Server: certificate + key, TLS 1.2 minimum, ALPN must select "h2" (a client that
 * does not offer it fails the handshake). Client: ALPN "h2", peer verification against a CA file or
 * the system paths (unless insecure), SNI and host name checks are set per connection in client.c.
 */
#include "cnet_internal.h"

#include <openssl/err.h>
#include <stdio.h>
#include <string.h>

/* RFC 9113 9.2.2: TLS 1.2 with ephemeral key exchange and AEAD only. TLS 1.3 suites are fine. */
static const char h2_tls12_ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

static void tls_err(char *err, size_t err_len, const char *what) {
    char buf[256];
    unsigned long e = ERR_peek_last_error();
    if (e) ERR_error_string_n(e, buf, sizeof(buf));
    else snprintf(buf, sizeof(buf), "unknown error");
    cnet_set_err(err, err_len, "%s: %s", what, buf);
    ERR_clear_error();
}

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                       unsigned int inlen, void *arg) {
    for (unsigned int i = 0; i < inlen;) {
        unsigned int n = in[i];
        if (i + 1 + n > inlen) break;
        if (n == 2 && memcmp(in + i + 1, "h2", 2) == 0) {
            *out = in + i + 1;
            *outlen = 2;
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + n;
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

static SSL_CTX *common_ctx(const SSL_METHOD *method, char *err, size_t err_len) {
    SSL_CTX *ctx = SSL_CTX_new(method);
    if (!ctx) {
        tls_err(err, err_len, "SSL_CTX_new");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_set_cipher_list(ctx, h2_tls12_ciphers) != 1) {
        tls_err(err, err_len, "cipher list");
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

SSL_CTX *cnet_tls_server_ctx(const char *cert, const char *key, char *err, size_t err_len) {
    if (!cert || !key) {
        cnet_set_err(err, err_len, "TLS needs both a certificate and a key file");
        return NULL;
    }
    SSL_CTX *ctx = common_ctx(TLS_server_method(), err, err_len);
    if (!ctx) return NULL;
    SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        tls_err(err, err_len, "cannot load the TLS certificate chain");
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        tls_err(err, err_len, "cannot load the TLS private key");
        goto fail;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        tls_err(err, err_len, "the TLS private key does not match the certificate");
        goto fail;
    }
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

SSL_CTX *cnet_tls_client_ctx(const cnet_client_config *cfg, char *err, size_t err_len) {
    SSL_CTX *ctx = common_ctx(TLS_client_method(), err, err_len);
    if (!ctx) return NULL;
    static const unsigned char protos[] = {2, 'h', '2'};
    if (SSL_CTX_set_alpn_protos(ctx, protos, sizeof(protos)) != 0) {
        tls_err(err, err_len, "ALPN setup");
        goto fail;
    }
    if (cfg->tls_insecure_skip_verify) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        int ok = cfg->tls_ca_file ? SSL_CTX_load_verify_locations(ctx, cfg->tls_ca_file, NULL)
                                  : SSL_CTX_set_default_verify_paths(ctx);
        if (ok != 1) {
            tls_err(err, err_len, "cannot load the CA certificates");
            goto fail;
        }
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

int cnet_tls_alpn_is_h2(SSL *ssl) {
    const unsigned char *p = NULL;
    unsigned int n = 0;
    SSL_get0_alpn_selected(ssl, &p, &n);
    return p && n == 2 && memcmp(p, "h2", 2) == 0;
}
