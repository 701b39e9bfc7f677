#ifndef WZ_AUTH_SMS_H
#define WZ_AUTH_SMS_H
/* Sending a text message (the phone sign-in's one-time codes). One small interface, one driver
 * per gateway. The only driver today is "log": it writes the message to the server log instead
 * of sending it, for development and tests; a deployment that lets citizens sign in by phone
 * needs a gateway driver (the channels work), and the server warns at start-up while it uses
 * "log" outside demo mode. A driver must not block the event loop. */
#include <stddef.h>

typedef struct wz_sms_driver {
    const char *name;
    /** Sends text to an 11-digit mainland number; 0, or -1 with a reason. */
    int (*send)(const char *phone, const char *text, char *err, size_t errlen);
} wz_sms_driver_t;

/** The driver of that name, or NULL. */
const wz_sms_driver_t *wz_sms_driver_find(const char *name);

#endif
