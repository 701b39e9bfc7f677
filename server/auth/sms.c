#include "auth/sms.h"
#include "common/log.h"
#include <stdio.h>
#include <string.h>

/* writes to the log (its own thread): never blocks the loop */
static int log_send(const char *phone, const char *text, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    char masked[16];
    snprintf(masked, sizeof(masked), "%.3s****%s", phone, strlen(phone) >= 4 ? phone + strlen(phone) - 4 : "");
    wz_info("sms (log driver, not sent): to %s: %s", masked, text);
    return 0;
}

static const wz_sms_driver_t drivers[] = {
    {"log", log_send},
};

const wz_sms_driver_t *wz_sms_driver_find(const char *name)
{
    for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
        if (strcmp(drivers[i].name, name) == 0)
            return &drivers[i];
    return NULL;
}
