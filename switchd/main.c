/* switchd: options in, loop run, nothing more. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "port.h"

/* The options that are not settings, then each setting from its table (proto.c). */
static void usage(FILE *f)
{
	const struct swp_setting *set;

	fprintf(f,
		"usage: switchd [-nv] [--syslog] [-c FILE] [-s PATH] [--ro-socket PATH] [--rx-ring KIB]\n"
		"               [--SETTING VALUE]...\n"
		"\n"
		"A userspace layer-2 switch for TAP, AF_PACKET and QEMU socket (stream, dgram) ports;\n"
		"runs in the foreground and logs to stderr. Drive it with switchctl.\n"
		"\n"
		"  -c, --config FILE     apply FILE's lines (port add, port set, mac add, mirror add,\n"
		"                        set) at start-up, and again on SIGHUP\n"
		"  -n, --check           only check the options and the -c FILE, then exit\n"
		"  -s, --socket PATH     control socket (default %s)\n"
		"      --ro-socket PATH  also listen on a read-only socket anyone may connect to:\n"
		"                        show, status, monitor and trace only\n"
		"      --rx-ring KIB     receive ring of each AF_PACKET port, 16..%u KiB\n"
		"                        (default %u; 0: none, read with recvmmsg)\n",
		SWITCHD_SOCKET, SWITCHD_RING_KIB_MAX, SWITCHD_RING_KIB);
	for (size_t i = 0; (set = swp_setting_at(i)); i++) {
		int n = fprintf(f, "      --%s %s", set->name, set->unit);

		if (n > 23) /* a long name: what it is on a line of its own */
			n = fprintf(f, "\n") - 1;
		fprintf(f, "%*s%s\n%24s%llu..%llu, default %llu\n", 24 - n, "", set->help, "",
			(unsigned long long)set->min, (unsigned long long)set->max, (unsigned long long)set->def);
	}
	fprintf(f, "  -v, --verbose         debug logging\n"
		   "      --syslog          log to syslog (facility daemon) instead of stderr\n"
		   "  -h, --help            this text\n"
		   "  -V, --version         print the version\n");
}

/* A whole decimal number in [min, max], or -1. */
static long parse_num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	return v;
}

/* -n: the file is read and checked, nothing else is touched (no root needed). */
static int check_config(const char *path)
{
	struct conf c;
	char err[512];
	int rc;

	if (!path) {
		fprintf(stderr, "switchd: -n checks a configuration file: give it with -c FILE\n");
		return 2;
	}
	rc = conf_load(&c, path, err, sizeof(err));
	conf_free(&c);
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("%s: ok\n", path);
	return 0;
}

/* getopt's value for --NAME of a setting: its key above every short option's. */
#define OPT_SETTING 0x100

int main(int argc, char **argv)
{
	static const struct option base_opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "syslog", no_argument, NULL, 'L' },
		{ "ro-socket", required_argument, NULL, 'R' },
		{ "rx-ring", required_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
	};
	/* The options above, then --NAME VALUE for every setting of the table (proto.c), then the end. */
	struct option longopts[sizeof(base_opts) / sizeof(base_opts[0]) + SWP_SET_KEY_MAX + 1];
	struct daemon_opts opts = {
		.socket = SWITCHD_SOCKET,
		.port = { .rx_ring_kib = SWITCHD_RING_KIB },
	};
	size_t nopts = sizeof(base_opts) / sizeof(base_opts[0]);
	const char *no_ring = getenv("SWITCHD_AFP_RING");
	enum log_target target = LOG_TO_STDERR;
	const struct swp_setting *set;
	struct daemon d;
	bool check = false;
	long v;
	int c, idx = 0;

	memcpy(longopts, base_opts, sizeof(base_opts));
	for (size_t i = 0; (set = swp_setting_at(i)); i++) {
		sw_config_set(&opts.sw, set->key, set->def);
		longopts[nopts++] = (struct option){ set->name, required_argument, NULL, OPT_SETTING + (int)set->key };
	}
	longopts[nopts] = (struct option){ NULL, 0, NULL, 0 };
	while ((c = getopt_long(argc, argv, "c:ns:vhV", longopts, &idx)) != -1) {
		if (c >= OPT_SETTING) {
			/* The limits switchctl's set and the configuration file obey too. */
			set = swp_setting_by_key((uint32_t)(c - OPT_SETTING));
			if ((v = parse_num(optarg, (long)set->min, (long)set->max)) < 0) {
				fprintf(stderr, "switchd: --%s: not a number in %lu..%lu: %s\n", set->name,
					(unsigned long)set->min, (unsigned long)set->max, optarg);
				return 2;
			}
			sw_config_set(&opts.sw, set->key, (uint64_t)v);
			continue;
		}
		switch (c) {
		case 'c':
			opts.conf = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 's':
			opts.socket = optarg;
			break;
		case 'v':
			opts.verbose = true;
			break;
		case 'L':
			target = LOG_TO_SYSLOG;
			break;
		case 'R':
			opts.ro_socket = optarg;
			break;
		case 'X':
			if ((v = parse_num(optarg, 0, SWITCHD_RING_KIB_MAX)) < 0 || (v > 0 && v < 16)) {
				fprintf(stderr, "switchd: --rx-ring: not 0 or a number of KiB in 16..%u: %s\n",
					SWITCHD_RING_KIB_MAX, optarg);
				return 2;
			}
			opts.port.rx_ring_kib = (unsigned)v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("switchd %s\n", SWITCHD_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "switchd: unexpected argument: %s\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	/* SWITCHD_AFP_RING=0 turns the ring off whatever --rx-ring says (switchd(8), for A/B runs). */
	if (no_ring && !strcmp(no_ring, "0"))
		opts.port.rx_ring_kib = 0;
	if (opts.ro_socket && !strcmp(opts.ro_socket, opts.socket)) {
		fprintf(stderr, "switchd: --ro-socket must differ from the control socket\n");
		return 2;
	}
	if (check)
		return check_config(opts.conf);
	log_init("switchd", opts.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO, target);
	if (daemon_start(&d, &opts) < 0)
		return 1;
	daemon_run(&d);
	daemon_stop(&d);
	log_info("stopped");
	return 0;
}
