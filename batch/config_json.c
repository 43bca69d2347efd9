/*
 * config_json.c — cfg_rules_json() (config.h): the rules a selection ran
 * with, as the JSON object stored with the wave and digested.
 */
#include "config.h"

#include <stdio.h>

#include "strbuf.h"

/* Bytes >= 0x80 pass through: the strings are UTF-8 (checked on load). */
static void
json_string(struct strbuf *b, const char *s)
{
	const unsigned char *p;

	sb_add(b, "\"", 1);
	for (p = (const unsigned char *) (s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\') {
			sb_add(b, "\\", 1);
			sb_add(b, (const char *) p, 1);
		} else if (*p < 0x20) {
			sb_addf(b, "\\u%04x", *p);
		} else {
			sb_add(b, (const char *) p, 1);
		}
	}
	sb_add(b, "\"", 1);
}

static void
json_strlist(struct strbuf *b, const struct gb_strlist *l)
{
	size_t i;

	sb_addch(b, '[');
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			sb_addch(b, ',');
		json_string(b, l->v[i]);
	}
	sb_addch(b, ']');
}

char *
cfg_rules_json(const struct gb_config *cfg)
{
	const struct gb_rules *r = &cfg->rules;
	struct strbuf b = STRBUF_INIT;

	sb_addstr(&b, "{\"timezone\":");
	json_string(&b, cfg->timezone);
	sb_addf(&b, ",\"min_age\":%d", r->min_age);
	sb_addf(&b, ",\"max_age\":%d", r->max_age);
	sb_addf(&b, ",\"household_cap\":%d", r->household_cap);
	sb_addstr(&b, ",\"exclude_aid_recipients\":");
	sb_addstr(&b, r->exclude_aid_recipients ? "true" : "false");
	sb_addstr(&b, ",\"excluded_occupations\":");
	json_strlist(&b, &r->excluded_occupations);
	sb_addstr(&b, ",\"priority_regions\":");
	json_strlist(&b, &r->priority_regions);
	sb_addstr(&b, ",\"provinces\":");
	json_strlist(&b, &r->provinces);
	sb_addf(&b, ",\"saldo\":%lld", cfg->saldo);
	sb_addstr(&b, ",\"sms_lolos\":");
	json_string(&b, cfg->sms_lolos);
	sb_addstr(&b, ",\"sms_tidak_lolos\":");
	json_string(&b, cfg->sms_tidak_lolos);
	sb_addf(&b, ",\"sms_window_days\":%d}", cfg->sms_window_days);
	return sb_detach(&b);
}
