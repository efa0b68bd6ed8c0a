/*
 * The settings table (proto.c) is the one list of settings: whatever reads it
 * (switchd's options, switchctl set, the configuration file, the switch and
 * its sw_config) takes a new row by itself; what cannot read it, the man
 * pages, switchctl's usage and docs/cli.md, is checked against it here, so a
 * setting added to the table but not documented fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "sw.h"

/* The whole of a file of the source tree, NUL-terminated. */
static char *slurp(const char *rel)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", SWITCHD_SOURCE_DIR, rel);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* name as roff writes it: every '-' as "\-". */
static void roff_name(char *out, size_t len, const char *prefix, const char *name)
{
	size_t o = (size_t)snprintf(out, len, "%s", prefix);

	for (; *name && o + 3 < len; name++) {
		if (*name == '-')
			out[o++] = '\\';
		out[o++] = *name;
	}
	out[o] = '\0';
}

static void settings_are_in_the_man_pages(void **state)
{
	(void)state;
	char *d8 = slurp("man/switchd.8"), *c8 = slurp("man/switchctl.8"), want[64];
	const struct swp_setting *s;

	for (size_t i = 0; (s = swp_setting_at(i)); i++) {
		roff_name(want, sizeof(want), "\\-\\-", s->name);
		if (!strstr(d8, want))
			fail_msg("switchd.8 has no %s", want);
		roff_name(want, sizeof(want), "", s->name);
		if (!strstr(strstr(c8, ".BI \"set \""), want))
			fail_msg("switchctl.8 does not name %s after its set command", want);
	}
	free(d8);
	free(c8);
}

static void settings_are_in_cli_md_with_their_defaults(void **state)
{
	(void)state;
	char *md = slurp("docs/cli.md"), want[64], def[32];
	const struct swp_setting *s;

	for (size_t i = 0; (s = swp_setting_at(i)); i++) {
		const char *row, *eol;

		snprintf(want, sizeof(want), "`--%s ", s->name);
		if (!(row = strstr(md, want)))
			fail_msg("cli.md has no option %s", want);
		/* The options table's row: | `--NAME UNIT` ... | DEFAULT ... | */
		eol = strchr(row, '\n');
		snprintf(def, sizeof(def), "| %llu", (unsigned long long)s->def);
		if (!strstr(row, def) || strstr(row, def) > eol)
			fail_msg("cli.md's row for --%s does not give its default %llu", s->name,
				 (unsigned long long)s->def);
		snprintf(want, sizeof(want), "`set %s ", s->name);
		if (!strstr(md, want))
			fail_msg("cli.md has no %s", want);
	}
	free(md);
}

static void settings_are_in_switchctl_usage(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	static const char *const objects[] = { "port", "mac", "status", "set", "monitor", "mirror", "trace" };
	const struct swp_port_setting *ps;
	const struct cli_usage_row *u;
	const struct swp_setting *s;

	cli_usage(f);
	fclose(f);
	for (size_t i = 0; (s = swp_setting_at(i)); i++)
		if (!strstr(text, s->name))
			fail_msg("switchctl's usage does not name %s", s->name);
	for (size_t i = 0; (ps = swp_port_setting_at(i)); i++)
		if (!strstr(text, ps->name))
			fail_msg("switchctl's usage does not name the port setting %s", ps->name);
	/* Every form the grammar's usage table lists, and every command the grammar knows. */
	for (size_t i = 0; (u = cli_cmd_usage(i)); i++)
		if (!strstr(text, u->synopsis))
			fail_msg("switchctl's usage leaves out %s", u->synopsis);
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		char want[32];

		snprintf(want, sizeof(want), "\n  %s ", objects[i]);
		if (!strstr(text, want))
			fail_msg("switchctl's usage has no %s command", objects[i]);
	}
	free(text);
}

/* Every row reaches the running switch and a sw_config, and the defaults are the table's. */
static void every_setting_round_trips_through_the_switch_and_a_config(void **state)
{
	(void)state;
	struct sw_config cfg = { 0 };
	const struct swp_setting *s;
	struct sw sw;

	for (size_t i = 0; (s = swp_setting_at(i)); i++)
		sw_config_set(&cfg, s->key, s->def);
	assert_int_equal(cfg.ageing, SWITCHD_AGEING_SEC);
	assert_int_equal(cfg.max_macs, SWITCHD_MAX_MACS);
	assert_int_equal(cfg.flap_moves, SWITCHD_FLAP_MOVES);
	assert_int_equal(cfg.flap_hold, SWITCHD_FLAP_HOLD_SEC);
	for (int k = 0; k < FWD_FLOOD_KINDS; k++)
		assert_int_equal(cfg.storm_pps[k], SWITCHD_STORM_PPS);
	assert_int_equal(sw_init(&sw, NULL, &cfg, NULL), 0);
	for (size_t i = 0; (s = swp_setting_at(i)); i++) {
		assert_int_equal(sw_setting(&sw, s->key), s->def);
		/* A value of its own for each, so one row writing another's field shows. */
		sw_set(&sw, s->key, s->min + 1 + i);
		sw_config_set(&cfg, s->key, s->min + 1 + i);
	}
	for (size_t i = 0; (s = swp_setting_at(i)); i++) {
		assert_int_equal(sw_setting(&sw, s->key), s->min + 1 + i);
		assert_int_equal(sw_config_setting(&cfg, s->key), s->min + 1 + i);
	}
	sw_fini(&sw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(settings_are_in_the_man_pages),
		cmocka_unit_test(settings_are_in_cli_md_with_their_defaults),
		cmocka_unit_test(settings_are_in_switchctl_usage),
		cmocka_unit_test(every_setting_round_trips_through_the_switch_and_a_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
