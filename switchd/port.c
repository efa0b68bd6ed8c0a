#include "port.h"

#include <errno.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"

static int port_open_kind(struct port *p, const struct nl_link *l, bool exists, uint32_t type,
			  char *why, size_t whylen)
{
	int err;

	switch (type) {
	case SWP_PORT_TAP:
		err = port_tap_open(p, p->name, true);
		if (err == -EBUSY)
			snprintf(why, whylen, "TAP is held by another process; add it with type afpacket");
		else if (err == -EINVAL)
			snprintf(why, whylen, "not a TAP device");
		else if (!err)
			p->created = !exists;
		return err;
	case SWP_PORT_AFPACKET:
		return port_afpacket_open(p, p->name);
	default:
		if (!exists)
			return -ENODEV;
		/* A TAP that nobody holds is ours to hold; any other interface gets a socket. */
		if (!strcmp(l->kind, "tun")) {
			err = port_tap_open(p, p->name, false);
			if (err != -EBUSY && err != -EINVAL)
				return err;
		}
		return port_afpacket_open(p, p->name);
	}
}

int port_open(struct nl *nl, const char *name, uint32_t type, struct port **out, char *why,
	      size_t whylen)
{
	struct nl_link l;
	struct port *p;
	bool exists;
	int err;

	why[0] = '\0';
	if (strlen(name) >= IFNAMSIZ || !name[0]) {
		snprintf(why, whylen, "invalid interface name");
		return -EINVAL;
	}
	err = nl_link_get(nl, name, &l);
	if (err && err != -ENODEV)
		return err;
	exists = !err;
	/* Loopback would hand every frame straight back; a TUN device carries no Ethernet. */
	if (exists && l.type != ARPHRD_ETHER) {
		snprintf(why, whylen, "not an Ethernet interface");
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fd = -1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	err = port_open_kind(p, &l, exists, type, why, whylen);
	if (err)
		goto fail;
	/* A TAP switchd just created has no ifindex in l yet. */
	if (!exists || !l.ifindex) {
		err = nl_link_get(nl, name, &l);
		if (err)
			goto fail;
	}
	p->ifindex = l.ifindex;
	p->mtu = l.mtu;
	err = nl_link_set_up(nl, l.ifindex);
	if (err) {
		snprintf(why, whylen, "cannot bring the link up: %s", strerror(-err));
		goto fail;
	}
	p->state = SWP_STATE_UP;
	*out = p;
	return 0;
fail:
	port_close(p);
	return err;
}

void port_close(struct port *p)
{
	if (p->fd >= 0 && p->ops)
		p->ops->close(p);
	free(p);
}
