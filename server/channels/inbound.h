#ifndef WZ_CHANNELS_INBOUND_H
#define WZ_CHANNELS_INBOUND_H
/* What a platform adapter reads out of one push: the one shape every adapter (WeChat official
 * account, Weibo, Douyin, Toutiao) produces after it has verified the platform's signature and
 * parsed the platform's own format. The inbox (channels/inbox.h) stores it, answers the
 * platform at once, and turns it into a ticket, a follow-up of an open ticket, or an update of
 * the account (a post) afterwards.
 *
 * Adapters are pure (no I/O): verify(secret, what the platform signed) -> parse(body) ->
 * wz_inbound_t. Strings are owned by the struct; wz_inbound_clear frees them. */
#include <stddef.h>
#include <stdint.h>

#define WZ_INBOUND_KEY_MAX 128    /* dedupe_key, sender: bytes, without the NUL */
#define WZ_INBOUND_NAME_MAX 64    /* sender_name */
#define WZ_INBOUND_CONTENT_MAX 5000 /* characters of content kept (longer text is cut) */

typedef enum {
    WZ_INBOUND_MESSAGE, /* a citizen wrote: text, a picture, a voice note, a comment, a private message */
    WZ_INBOUND_POST,    /* the account published something (a mass send, a post): last_post_at */
    WZ_INBOUND_IGNORE,  /* nothing for the queue (follow, unfollow, menu clicks, read receipts) */
} wz_inbound_kind_t;

typedef struct wz_inbound {
    wz_inbound_kind_t kind;
    /* The platform's id of this delivery, stable across its retries: a message id, or
     * sender + create time for events that have none. Unique per account. */
    char dedupe_key[WZ_INBOUND_KEY_MAX + 1];
    /* The platform's id of the citizen (WeChat openid, Weibo uid, Douyin open_id): messages
     * from one sender within the follow-up window join one open ticket. */
    char sender[WZ_INBOUND_KEY_MAX + 1];
    char sender_name[WZ_INBOUND_NAME_MAX + 1]; /* a nickname when the platform sends one, else "" */
    char msg_type[24]; /* text, image, voice, video, location, link, comment, private_message, event */
    char event[48];    /* the platform's event name for kind POST / IGNORE ("subscribe", ...), else "" */
    int64_t created_at; /* the platform's time of the message, Unix seconds (0 = unknown) */
    /* The text staff read, UTF-8, never empty for a MESSAGE: the citizen's text, a voice note's
     * recognition, or a description such as "[图片] https://..." for media. malloc'd. */
    char *content;
    char *media_url; /* a picture's or a video's URL on the platform, or NULL; malloc'd */
    int has_location;
    double latitude, longitude;
    char *address; /* a location's label, or NULL; malloc'd */
    /* The platform object the message belongs to, for replies that go back as comments (a
     * Weibo status id, a Douyin item id) or NULL; malloc'd. */
    char *reply_to;
} wz_inbound_t;

/** Frees the strings and zeroes the struct (safe on a zeroed struct, and twice). */
void wz_inbound_clear(wz_inbound_t *m);
/** Sets *dst to a malloc'd copy of len bytes of s (NUL-terminated), cut to at most max_chars
 * UTF-8 characters on a character boundary. Replaces what *dst held. */
void wz_inbound_set_text(char **dst, const char *s, size_t len, size_t max_chars);
/** Copies s into a fixed field (dedupe_key, sender, ...); -1 if it does not fit or is empty. */
int wz_inbound_set_id(char *dst, size_t dstlen, const char *s, size_t len);

#endif
