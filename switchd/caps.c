/* Which of the capabilities switchd's ports need it has. */
#include "caps.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "switchd/proto.h"

int caps_parse(const char *status, uint64_t *eff)
{
	const char *l, *nl;
	char *end;

	/* Each line is "Name:\tvalue"; CapEff is a hex mask, 16 digits on today's kernels. */
	for (l = status; l; l = (nl = strchr(l, '\n')) ? nl + 1 : NULL) {
		if (strncmp(l, "CapEff:", 7))
			continue;
		errno = 0;
		*eff = strtoull(l + 7, &end, 16);
		if (errno || end == l + 7 || (*end && *end != '\n'))
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

int caps_effective(uint64_t *eff)
{
	/* Line by line: a long Groups: line must not push CapEff out of a fixed buffer. */
	FILE *f = fopen("/proc/self/status", "re");
	char *line = NULL;
	size_t cap = 0;
	int rc = -EINVAL;

	if (!f)
		return -errno;
	while (rc == -EINVAL && getline(&line, &cap, f) >= 0)
		if (!strncmp(line, "CapEff:", 7))
			rc = caps_parse(line, eff);
	free(line);
	fclose(f);
	return rc;
}

const char *caps_missing(uint64_t eff, uint64_t need)
{
	uint64_t lack = need & ~eff;

	if (lack == (CAPS_NET_ADMIN | CAPS_NET_RAW))
		return "CAP_NET_ADMIN and CAP_NET_RAW";
	if (lack == CAPS_NET_ADMIN)
		return "CAP_NET_ADMIN";
	if (lack == CAPS_NET_RAW)
		return "CAP_NET_RAW";
	return "";
}

/*
 * A TAP is made (or taken) with TUNSETIFF and brought up: CAP_NET_ADMIN. An
 * afpacket port is an AF_PACKET socket (CAP_NET_RAW) on a link it brings up;
 * a veth is made first (CAP_NET_ADMIN) and is an afpacket port; auto may be
 * either.
 */
uint64_t caps_for_port(uint32_t type, int netns)
{
	if (type == SWP_PORT_TAP && !netns)
		return CAPS_NET_ADMIN;
	return CAPS_NET_ADMIN | CAPS_NET_RAW;
}
