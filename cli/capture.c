/* switchctl capture: its tcpdump-like options, the filter compiled with libpcap, a line per frame. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#include "cli.h"
#include "writer.h"

/* tcpdump's default and largest snap length. */
#define CAPTURE_SNAPLEN 262144

static struct bpf_program capture_prog;

/* Adds the comma-separated ports of one -i to the request's list; "all" (or "any") clears it. */
static int capture_add_ports(struct swp_capture_req *req, bool *all, const char *arg, char *err,
			     size_t errlen)
{
	char list[SWP_CAP_PORTS_MAX], *save = NULL;

	snprintf(list, sizeof(list), "%s", arg);
	for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		size_t at = strlen(req->ports);

		if (!strcmp(name, "all") || !strcmp(name, "any")) {
			*all = true;
			continue;
		}
		if (strlen(name) >= SWP_NAME_MAX) {
			snprintf(err, errlen, "capture: port name too long: %s", name);
			return -1;
		}
		if (at + strlen(name) + 2 > sizeof(req->ports)) {
			snprintf(err, errlen, "capture: too many ports");
			return -1;
		}
		snprintf(req->ports + at, sizeof(req->ports) - at, "%s%s", at ? "," : "", name);
	}
	return 0;
}

static int capture_number(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *v,
			  char *err, size_t errlen)
{
	char *end;

	errno = 0;
	*v = strtoull(arg, &end, 10);
	if (!arg[0] || *end || arg[0] == '-' || errno || *v < min || *v > max) {
		snprintf(err, errlen, "capture: %s wants a number in %" PRIu64 "..%" PRIu64 ", not '%s'", opt,
			 min, max, arg);
		return -1;
	}
	return 0;
}

enum cli_parse_result cli_capture_parse(int argc, char **argv, struct cli_opts *o,
					struct cli_cmd *cmd, char *err, size_t errlen)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "direction", required_argument, NULL, 'Q' },
		{ "snapshot-length", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct swp_capture_req *req = &cmd->body.capture;
	uint64_t snaplen = CAPTURE_SNAPLEN, v;
	char expr[4096] = "";
	bool all = false;
	pcap_t *pd;
	int c;

	memset(cmd, 0, sizeof(*cmd));
	cmd->type = SWP_CAPTURE;
	cmd->blen = sizeof(*req);
	o->cap = (struct cli_capture){ 0 };
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:Q:c:s:w:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (capture_add_ports(req, &all, optarg, err, errlen) < 0)
				return CLI_USAGE;
			break;
		case 'Q':
			if (!strcmp(optarg, "in"))
				req->dirs = SWP_CAP_DIR_IN;
			else if (!strcmp(optarg, "out"))
				req->dirs = SWP_CAP_DIR_OUT;
			else if (!strcmp(optarg, "inout"))
				req->dirs = SWP_CAP_DIR_IN | SWP_CAP_DIR_OUT;
			else {
				snprintf(err, errlen, "capture: -Q wants in, out or inout, not '%s'", optarg);
				return CLI_USAGE;
			}
			break;
		case 'c':
			if (capture_number("-c", optarg, 1, UINT64_MAX, &req->count, err, errlen) < 0)
				return CLI_USAGE;
			break;
		case 's':
			if (capture_number("-s", optarg, 0, CAPTURE_SNAPLEN, &v, err, errlen) < 0)
				return CLI_USAGE;
			snaplen = v ? v : CAPTURE_SNAPLEN; /* tcpdump's -s 0 */
			break;
		case 'w':
			o->cap.wfile = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			return CLI_HELP;
		case ':':
			snprintf(err, errlen, "capture: %s needs an argument", argv[optind - 1]);
			return CLI_USAGE;
		default:
			if (optopt)
				snprintf(err, errlen, "capture: unknown option '-%c'", optopt);
			else
				snprintf(err, errlen, "capture: unknown option '%s'", argv[optind - 1]);
			return CLI_USAGE;
		}
	}
	if (all)
		req->ports[0] = '\0';
	req->snaplen = (uint32_t)(snaplen < SWP_CAP_SNAPLEN_MAX ? snaplen : SWP_CAP_SNAPLEN_MAX);
	o->cap.snaplen = req->snaplen;
	/* The words left are the expression, as tcpdump takes it: one argument or several. */
	for (int i = optind; i < argc; i++) {
		size_t at = strlen(expr), n = strlen(argv[i]);

		if (at + n + 2 > sizeof(expr)) {
			snprintf(err, errlen, "capture: filter expression too long");
			return CLI_USAGE;
		}
		if (at)
			expr[at++] = ' ';
		memcpy(expr + at, argv[i], n + 1);
	}
	if (!expr[0])
		return CLI_RUN;
	if (!(pd = pcap_open_dead(DLT_EN10MB, (int)snaplen))) {
		snprintf(err, errlen, "capture: libpcap: out of memory");
		return CLI_USAGE;
	}
	pcap_freecode(&capture_prog);
	if (pcap_compile(pd, &capture_prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "capture: bad filter expression '%s': %s", expr, pcap_geterr(pd));
		pcap_close(pd);
		return CLI_USAGE;
	}
	pcap_close(pd);
	if (capture_prog.bf_len > SWP_CAP_INSNS_MAX) {
		snprintf(err, errlen, "capture: filter expression compiles to %u instructions (at most %u)",
			 capture_prog.bf_len, SWP_CAP_INSNS_MAX);
		return CLI_USAGE;
	}
	req->filter.ptr = (const uint8_t *)capture_prog.bf_insns;
	req->filter.len = capture_prog.bf_len * (uint32_t)sizeof(struct bpf_insn);
	o->cap.prog = &capture_prog;
	return CLI_RUN;
}

static const char *capture_ethertype_name(uint16_t t)
{
	switch (t) {
	case 0x0800:
		return "IPv4";
	case 0x0806:
		return "ARP";
	case 0x86dd:
		return "IPv6";
	case 0x8100:
		return "802.1Q";
	case 0x88a8:
		return "802.1Q-QinQ";
	case 0x88cc:
		return "LLDP";
	default:
		return t < 0x0600 ? "802.3 length" : "unknown";
	}
}

void cli_print_frame(FILE *f, const struct cli_opts *o, const struct swp_capture_frame *fr)
{
	const uint8_t *d = fr->data.ptr;
	uint32_t n = fr->data.len, at = 12;
	char time[48], base[24], src[18] = "?", dst[18] = "?", et[8];
	time_t sec = (time_t)(fr->time_ns / 1000000000u);
	uint16_t type = 0;
	struct tm tm;
	struct wr w;

	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(time, sizeof(time), "%s.%06uZ", base, (unsigned)(fr->time_ns % 1000000000u / 1000));
	if (n >= 12) {
		snprintf(dst, sizeof(dst), "%02x:%02x:%02x:%02x:%02x:%02x", d[0], d[1], d[2], d[3], d[4], d[5]);
		snprintf(src, sizeof(src), "%02x:%02x:%02x:%02x:%02x:%02x", d[6], d[7], d[8], d[9], d[10], d[11]);
	}
	wr_init(&w, f, o->json);
	wr_obj_open(&w, NULL);
	wr_str(&w, "time", "%s", time);
	wr_uint(&w, "time_ns", NULL, fr->time_ns);
	wr_str(&w, "port", " %s", fr->port);
	wr_str(&w, "direction", " %-3s", fr->dir == SWP_CAP_DIR_IN ? "in" : "out");
	wr_str(&w, "src", " %s", src);
	wr_str(&w, "dst", " > %s", dst);
	/* Each tag as the port has it (802.1Q, 802.1ad), outer first; then the frame's own type. */
	while (n >= at + 2) {
		type = (uint16_t)(d[at] << 8 | d[at + 1]);
		if ((type != 0x8100 && type != 0x88a8) || n < at + 4)
			break;
		wr_uint(&w, at == 12 ? "vlan" : "inner_vlan", ", vlan %" PRIu64,
			(uint16_t)(d[at + 2] << 8 | d[at + 3]) & 0xfff);
		at += 4;
	}
	if (n >= at + 2) {
		snprintf(et, sizeof(et), "0x%04x", type);
		wr_str(&w, "ethertype", ", ethertype %s", et);
		wr_str(&w, NULL, " (%s)", capture_ethertype_name(type));
	}
	wr_uint(&w, "length", ", length %" PRIu64, fr->len);
	wr_uint(&w, "captured", NULL, fr->data.len);
	wr_obj_close(&w);
	wr_text(&w, "\n");
	wr_json_line(&w);
}
