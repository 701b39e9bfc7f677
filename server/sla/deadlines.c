#include "sla/deadlines.h"
#include <string.h>

#define MINUTE 60

/* The policy table of migration 002, normal priority: the product defaults. */
static const struct {
    const char *type;
    wz_sla_policy_t policy;
} defaults[] = {
    {"consultation", {120, 120, 1, 5, 2, 10, 0.75, 1, 5, 5}},
    {"help", {120, 120, 10, 15, 2, 10, 0.75, 1, 5, 5}},
    {"suggestion", {120, 120, 10, 15, 2, 10, 0.75, 1, 5, 5}},
    {"complaint", {120, 120, 15, 30, 2, 10, 0.75, 1, 5, 5}},
    {"report", {120, 120, 15, 30, 2, 10, 0.75, 1, 5, 5}},
    {"praise", {120, 120, 10, 10, 2, 10, 0.75, 1, 5, 5}},
};

int wz_sla_policy_default(const char *type, wz_sla_policy_t *out)
{
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
        if (strcmp(defaults[i].type, type) == 0) {
            *out = defaults[i].policy;
            return 0;
        }
    }
    return -1;
}

const char *wz_sla_policy_invalid(const wz_sla_policy_t *p)
{
    if (p->dispatch_minutes <= 0 || p->dispatch_minutes > 60 * 24 * 30)
        return "dispatch_minutes must be 1..43200";
    if (p->sign_minutes <= 0 || p->sign_minutes > 60 * 24 * 30)
        return "sign_minutes must be 1..43200";
    if (p->reply_days <= 0 || p->reply_days > 365)
        return "reply_days must be 1..365";
    if (p->resolve_days < p->reply_days || p->resolve_days > 365)
        return "resolve_days must be reply_days..365";
    if (p->return_window_days < 0 || p->return_window_days > p->reply_days + 30)
        return "return_window_days out of range";
    if (p->extension_max_days < 0 || p->extension_max_days > 365)
        return "extension_max_days must be 0..365";
    if (!(p->warn_ratio > 0.0 && p->warn_ratio < 1.0))
        return "warn_ratio must be between 0 and 1";
    if (p->reopen_max < 0 || p->reopen_max > 10)
        return "reopen_max must be 0..10";
    if (p->rating_window_days <= 0 || p->rating_window_days > 90)
        return "rating_window_days must be 1..90";
    if (p->info_wait_days <= 0 || p->info_wait_days > 90)
        return "info_wait_days must be 1..90";
    return NULL;
}

int64_t wz_sla_warn_at(const wz_calendar_t *cal, int64_t start, int64_t due, double warn_ratio)
{
    int64_t span = wz_cal_working_seconds_between(cal, start, due);
    if (span <= 0)
        return due;
    return wz_cal_add_working_seconds(cal, start, (int64_t)((double)span * warn_ratio));
}

void wz_sla_on_intake(const wz_calendar_t *cal, const wz_sla_policy_t *p, int64_t received, wz_sla_intake_t *out)
{
    out->dispatch_due = wz_cal_add_working_seconds(cal, received, (int64_t)p->dispatch_minutes * MINUTE);
    out->dispatch_warn = wz_sla_warn_at(cal, received, out->dispatch_due, p->warn_ratio);
    /* the promise assumes dispatch on time, then the full reply limit */
    out->promised_reply = wz_cal_add_working_days(cal, out->dispatch_due, p->reply_days);
}

void wz_sla_on_dispatch(const wz_calendar_t *cal, const wz_sla_policy_t *p, int64_t dispatched, wz_sla_dispatch_t *out)
{
    out->sign_due = wz_cal_add_working_seconds(cal, dispatched, (int64_t)p->sign_minutes * MINUTE);
    out->sign_warn = wz_sla_warn_at(cal, dispatched, out->sign_due, p->warn_ratio);
    out->reply_due = wz_cal_add_working_days(cal, dispatched, p->reply_days);
    out->reply_warn = wz_sla_warn_at(cal, dispatched, out->reply_due, p->warn_ratio);
    out->resolve_due = wz_cal_add_working_days(cal, dispatched, p->resolve_days);
    out->return_until = wz_cal_add_working_days(cal, dispatched, p->return_window_days);
}

int64_t wz_sla_resume(const wz_calendar_t *cal, int64_t due, int64_t paused_at, int64_t resumed_at)
{
    int64_t paused = wz_cal_working_seconds_between(cal, paused_at, resumed_at);
    return paused > 0 ? wz_cal_add_working_seconds(cal, due, paused) : due;
}

int64_t wz_sla_extend(const wz_calendar_t *cal, int64_t due, int days)
{
    return days > 0 ? wz_cal_add_working_days(cal, due, days) : due;
}

wz_sla_light_t wz_sla_light(int64_t now, int64_t warn_at, int64_t due)
{
    if (due == 0)
        return WZ_LIGHT_GREEN;
    if (now >= due)
        return WZ_LIGHT_RED;
    return now >= warn_at ? WZ_LIGHT_YELLOW : WZ_LIGHT_GREEN;
}

const char *wz_sla_light_name(wz_sla_light_t light)
{
    static const char *const names[] = {"green", "yellow", "red"};
    return (unsigned)light < 3 ? names[light] : "?";
}
