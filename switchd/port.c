#include "port.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <net/if_arp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "nl.h"
#include "notify.h"

static int port_open_kind(struct port *p, const struct port_opts *po, const struct nl_link *l, bool exists,
			  uint32_t type, char *why, size_t whylen)
{
	int err;

	switch (type) {
	case SWP_PORT_TAP:
		err = port_tap_open(p, p->name, true);
		if (err == -EBUSY)
			snprintf(why, whylen, "TAP is held by another process; add it with type afpacket");
		else if (err == -EINVAL)
			snprintf(why, whylen, "not a TAP device");
		else if (err == -EACCES)
			snprintf(why, whylen, "/dev/net/tun is not writable for switchd's uid %u (Debian: 0666)",
				 (unsigned)geteuid());
		else if (!err)
			p->created = !exists;
		return err;
	case SWP_PORT_AFPACKET:
		return port_afpacket_open(p, p->name, po->rx_ring_kib);
	default:
		if (!exists)
			return -ENODEV;
		/* A TAP that nobody holds is ours to hold; any other interface gets a socket. */
		if (!strcmp(l->kind, "tun")) {
			err = port_tap_open(p, p->name, false);
			if (err != -EBUSY && err != -EINVAL)
				return err;
		}
		return port_afpacket_open(p, p->name, po->rx_ring_kib);
	}
}

int port_open(struct nl *nl, const struct port_opts *po, const char *name, uint32_t type,
	      struct port **out, char *why, size_t whylen)
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
	err = port_open_kind(p, po, &l, exists, type, why, whylen);
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
	/* Best effort: a kernel without IPv6 refuses it, and that is fine. */
	if (p->created && !(l.flags & IFF_UP))
		nl_link_no_ipv6_addr(nl, l.ifindex);
	err = nl_link_set_up(nl, l.ifindex);
	if (err) {
		snprintf(why, whylen, "cannot bring the link up: %s", strerror(-err));
		goto fail;
	}
	/*
	 * What the link says now: a link just brought up is not running until the
	 * kernel's link watch has seen its carrier, and the event that follows
	 * makes it up (so switchctl monitor reports no down/up flap for an add).
	 */
	p->state = SWP_STATE_UP;
	if (!nl_link_get(nl, name, &l) && !((l.flags & IFF_UP) && (l.flags & IFF_RUNNING)))
		p->state = SWP_STATE_DOWN;
	*out = p;
	return 0;
fail:
	port_close(p);
	return err;
}

bool port_name_valid(const char *name)
{
	if (!name[0] || strlen(name) >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *c = name; *c; c++)
		if (*c == '/' || *c == ':' || isspace((unsigned char)*c))
			return false;
	return true;
}

/* Whether fd is a network namespace; a regular file or another kind (/proc/PID/ns/mnt) is not. */
static bool port_fd_is_netns(int fd)
{
	return ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET;
}

static bool port_netns_is_ours(int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat("/proc/self/ns/net", &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* A descriptor of the network namespace at path, or -errno described in why. */
static int port_netns_open(const char *path, char *why, size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			snprintf(why, whylen, "no such network namespace: %s", path);
		else
			snprintf(why, whylen, "cannot open %s: %s", path, strerror(-err));
		return err;
	}
	if (!port_fd_is_netns(fd)) {
		snprintf(why, whylen, "%s is not a network namespace", path);
		close(fd);
		return -EINVAL;
	}
	return fd;
}

/*
 * NAME exists: adopt it if it is the pair an earlier switchd made for this
 * port (a veth whose peer is PEER in the namespace fd refers to), which a
 * crash left behind. 0 when it is; -EEXIST described in why when it is not.
 */
static int port_veth_match(struct nl *nl, const struct nl_link *l, int fd, const char *netns,
			   const char *peer, char *why, size_t whylen)
{
	struct nl_link pl;
	int nsid;

	if (strcmp(l->kind, "veth")) {
		snprintf(why, whylen, "interface %s already exists and is not a veth", l->name);
		return -EEXIST;
	}
	/* l was read first: reporting it gave the peer's namespace an id, if it has none. */
	nsid = nl_netns_id(nl, fd);
	if (l->link_nsid < 0 || nsid < 0 || nsid != l->link_nsid || !l->link) {
		snprintf(why, whylen, "interface %s already exists: a veth whose peer is not in %s",
			 l->name, netns);
		return -EEXIST;
	}
	if (nl_link_get_in(nl, nsid, l->link, NULL, &pl) || strcmp(pl.name, peer)) {
		snprintf(why, whylen, "interface %s already exists: its peer in %s is %s, not %s",
			 l->name, netns, pl.ifindex ? pl.name : "gone", peer);
		return -EEXIST;
	}
	return 0;
}

int port_open_veth(struct nl *nl, const struct port_opts *po, const char *name, const char *netns,
		   int nsfd, const char *peer, uint32_t mtu, struct port **out, char *why, size_t whylen)
{
	uint64_t ns_dev = 0, ns_ino = 0;
	struct nl_link l;
	struct stat nsst;
	bool exists;
	int fd, err, ifindex;

	why[0] = '\0';
	if (!port_name_valid(name) || !port_name_valid(peer)) {
		snprintf(why, whylen, "invalid interface name '%s'", port_name_valid(name) ? peer : name);
		return -EINVAL;
	}
	err = nl_link_get(nl, name, &l);
	if (err && err != -ENODEV)
		return err;
	exists = !err;
	if (nsfd >= 0) {
		if (!port_fd_is_netns(nsfd)) {
			snprintf(why, whylen, "%s is not a network namespace", netns);
			return -EINVAL;
		}
		fd = nsfd;
	} else {
		fd = port_netns_open(netns, why, whylen);
		if (fd < 0)
			return fd;
	}
	/*
	 * The namespace switchd runs in would put both ends here: a mistake, and a
	 * likely one (/proc/PID/ns/net of a process that has not unshared yet).
	 */
	if (port_netns_is_ours(fd)) {
		snprintf(why, whylen, "%s is switchd's own network namespace", netns);
		err = -EINVAL;
		goto done;
	}
	if (exists) {
		err = port_veth_match(nl, &l, fd, netns, peer, why, whylen);
		ifindex = l.ifindex;
		goto done;
	}
	ifindex = nl_veth_add(nl, name, peer, fd, mtu);
	if (ifindex == -EEXIST) {
		/* We looked: name was free here. Unless it was taken meanwhile, the peer's name is the one. */
		if (nl_link_get(nl, name, &l) == 0)
			snprintf(why, whylen, "interface %s already exists", name);
		else
			snprintf(why, whylen, "interface %s already exists in %s", peer, netns);
		err = ifindex;
	} else if (ifindex < 0) {
		snprintf(why, whylen, "cannot create the veth pair: %s", strerror(-ifindex));
		err = ifindex;
	} else {
		err = 0;
	}
done:
	if (!err && fstat(fd, &nsst) == 0) {
		ns_dev = (uint64_t)nsst.st_dev;
		ns_ino = (uint64_t)nsst.st_ino;
	}
	/* The pair does not hold the namespace: when it ends, the pair goes and so does the port. */
	if (fd != nsfd)
		close(fd);
	if (err)
		return err;
	err = port_open(nl, po, name, SWP_PORT_AFPACKET, out, why, whylen);
	if (err) {
		/* A pair we adopted is still the one a crash left: only ours goes on failure. */
		if (!exists)
			nl_link_del(nl, ifindex);
		return err;
	}
	(*out)->created = true;
	(*out)->adopted = exists;
	(*out)->nl = nl;
	snprintf((*out)->peer, sizeof((*out)->peer), "%s", peer);
	snprintf((*out)->netns, sizeof((*out)->netns), "%s", netns);
	(*out)->netns_dev = ns_dev;
	(*out)->netns_ino = ns_ino;
	return 0;
}

void port_fdname(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s%s", PORT_FDNAME_TAP, name);
}

int port_open_tap_fd(struct nl *nl, const char *name, int fd, struct port **out, char *why,
		     size_t whylen)
{
	char ifname[IFNAMSIZ];
	struct nl_link l;
	struct port *p;
	int nsfd = -1, nsid, err;

	why[0] = '\0';
	p = calloc(1, sizeof(*p));
	if (!p) {
		close(fd);
		return -ENOMEM;
	}
	p->fd = -1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	err = port_tap_adopt(p, fd, ifname, &nsfd);
	if (err) {
		if (p->fd < 0)
			close(fd);
		if (err == -ENODEV)
			snprintf(why, whylen, "the TAP descriptor kept for it: its device is gone");
		else if (err == -EINVAL)
			snprintf(why, whylen, "the TAP descriptor kept for it: not a TAP switchd made");
		else
			snprintf(why, whylen, "the TAP descriptor kept for it: %s", strerror(-err));
		goto fail;
	}
	if (port_netns_is_ours(nsfd)) {
		/* Here, under another name: someone renamed it; it is not the port's any more. */
		if (strcmp(ifname, name)) {
			snprintf(why, whylen, "the TAP descriptor kept for it is now %s", ifname);
			err = -EINVAL;
			goto fail;
		}
		err = nl_link_get(nl, name, &l);
		if (err)
			goto fail;
		err = nl_link_set_up(nl, l.ifindex);
		if (err) {
			snprintf(why, whylen, "cannot bring the link up: %s", strerror(-err));
			goto fail;
		}
		p->state = (l.flags & IFF_UP) && (l.flags & IFF_RUNNING) ? SWP_STATE_UP : SWP_STATE_DOWN;
	} else {
		/* Moved into a namespace, as a VM's NIC is modelled: its side there is not ours to touch. */
		p->state = SWP_STATE_MOVED;
		nsid = nl_netns_id(nl, nsfd);
		memset(&l, 0, sizeof(l));
		if (nsid >= 0)
			nl_link_get_in(nl, nsid, 0, ifname, &l);
	}
	p->ifindex = l.ifindex;
	p->mtu = l.mtu;
	p->created = true;
	p->adopted = true;
	p->stored = true;
	close(nsfd);
	*out = p;
	return 0;
fail:
	if (nsfd >= 0)
		close(nsfd);
	/* Not ours to remove from the store here: the caller decides what becomes of the name. */
	port_close(p);
	return err;
}

void port_close(struct port *p)
{
	char fdname[PORT_FDNAME_MAX];
	int err;

	/* Out of the store first: its copy there would keep the TAP (or the stream socket) alive. */
	if (p->stored) {
		port_store_name(p, fdname, sizeof(fdname));
		notify_fd_remove(fdname);
	}

	if (p->fd >= 0 && p->ops)
		p->ops->close(p);
	/* Deleting our end deletes the peer too. Already gone (its namespace ended) is fine. */
	if (p->nl && (err = nl_link_del(p->nl, p->ifindex)) && err != -ENODEV)
		log_warn("%s: cannot delete %s: %s", __func__, p->name, strerror(-err));
	port_vxlan_free(p);
	free(p);
}
