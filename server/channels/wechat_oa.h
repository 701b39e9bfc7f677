#ifndef WZ_CHANNELS_WECHAT_OA_H
#define WZ_CHANNELS_WECHAT_OA_H
/* The WeChat official account (微信公众号) server-URL protocol, as the Official Account
 * Platform's developer documentation describes it ("接入指南", "接收普通消息", "接收事件推送",
 * "消息加解密说明"). Pure: http/channel_wechat.c does the I/O.
 *
 *   GET  ?signature&timestamp&nonce&echostr     the handshake: signature = hex SHA1 of the
 *        sorted, concatenated token, timestamp, nonce; answer echostr as it came.
 *   POST ?signature&timestamp&nonce&openid      plain mode: the XML message in the body.
 *   POST ...&encrypt_type=aes&msg_signature     safe mode: <xml><ToUserName/><Encrypt/></xml>;
 *        msg_signature = hex SHA1 of the sorted token, timestamp, nonce, Encrypt.
 *        Encrypt = base64(AES-256-CBC(key, iv = key[0..16], PKCS#7 to 32-byte blocks,
 *        16 random bytes | 4-byte big-endian length | the XML | the account's AppID)),
 *        key = base64 decode of EncodingAESKey (43 characters) + "=".
 *
 * Messages (MsgType): text (Content), image (PicUrl, MediaId), voice (MediaId, Format,
 * Recognition when speech recognition is on), video / shortvideo, location (Location_X,
 * Location_Y, Scale, Label), link (Title, Description, Url), each with a MsgId that WeChat's
 * retries (3, five seconds apart) repeat; events (MsgType event, Event) have no MsgId and are
 * deduplicated by FromUserName + CreateTime. A mass send (MASSSENDJOBFINISH) or a publication
 * (PUBLISHJOBFINISH) is the account posting. */
#include "channels/inbound.h"
#include <stddef.h>
#include <stdint.h>

#define WZ_WECHAT_OA_BODY_MAX (64 * 1024) /* WeChat's pushes are a few KB */
#define WZ_WECHAT_OA_AES_KEY_CHARS 43

/** The signature WeChat computes: hex SHA1 over the sorted, concatenated strings (3 for the
 * handshake and plain messages; 4 with the Encrypt text for msg_signature). out has 41 bytes. */
void wz_wechat_oa_sign(const char *const parts[], size_t nparts, char out[41]);
/** Whether sig (40 hex digits, either case) is that signature; constant-time compare. */
int wz_wechat_oa_signature_valid(const char *const parts[], size_t nparts, const char *sig, size_t sig_len);

/** Decodes an EncodingAESKey (43 base64 characters) into the 32-byte AES key. 0 or -1. */
int wz_wechat_oa_aes_key(const char *encoding_aes_key, uint8_t key[32]);
/** Decrypts an Encrypt text and checks the AppID at its end. On success *xml is the message
 * (malloc'd, NUL-terminated) and 0 is returned; else -1 with a reason in err. */
int wz_wechat_oa_decrypt(const uint8_t key[32], const char *b64, size_t b64_len, const char *appid, char **xml,
                         size_t *xml_len, char *err, size_t errlen);
/** Encrypts a message the way WeChat does, with the 16 "random" bytes given (tests and the
 * passive-reply format): base64, malloc'd. */
char *wz_wechat_oa_encrypt(const uint8_t key[32], const uint8_t random16[16], const char *msg, size_t len,
                           const char *appid);

/** The fields of a WeChat XML message: the root's children by name (CDATA or text). */
typedef struct wz_wechat_oa_xml wz_wechat_oa_xml_t;
/** Parses the XML with expat (no DTD, no entities beyond XML's own, at most 64 children, each
 * at most 64 KiB). NULL with a reason in err when it is not a WeChat message document. */
wz_wechat_oa_xml_t *wz_wechat_oa_xml_parse(const char *xml, size_t len, char *err, size_t errlen);
/** A field's text, or NULL when absent. */
const char *wz_wechat_oa_xml_get(const wz_wechat_oa_xml_t *x, const char *name);
void wz_wechat_oa_xml_free(wz_wechat_oa_xml_t *x);

/** Reads a parsed message into the common shape. 0, or -1 with a reason (a field missing or
 * malformed). */
int wz_wechat_oa_inbound(const wz_wechat_oa_xml_t *x, wz_inbound_t *out, char *err, size_t errlen);

#endif
