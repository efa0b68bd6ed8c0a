/* A veth port's namespace, named again when the path it was added with no longer leads to it. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "port.h"

/* 1: path leads to that namespace; 0: it leads elsewhere or nowhere; -1: it cannot be told (EACCES). */
static int port_path_is_ns(const char *path, uint64_t dev, uint64_t ino)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR || errno == ESRCH ? 0 : -1;
	return (uint64_t)st.st_dev == dev && (uint64_t)st.st_ino == ino;
}

void port_netns_refresh(struct port *p)
{
	char path[SWP_PATH_MAX], was[SWP_PATH_MAX];
	struct dirent *de;
	DIR *dir;

	/* A path switchd may not look at (another user's process) is left as it was given. */
	if (!p->netns[0] || !p->netns_ino || !strncmp(p->netns, "net:[", 5) ||
	    port_path_is_ns(p->netns, p->netns_dev, p->netns_ino) != 0)
		return;
	snprintf(was, sizeof(was), "%s", p->netns);
	snprintf(p->netns, sizeof(p->netns), "net:[%llu]", (unsigned long long)p->netns_ino);
	if ((dir = opendir(SWITCHD_NETNS_DIR))) {
		while ((de = readdir(dir))) {
			if (de->d_name[0] == '.' ||
			    (size_t)snprintf(path, sizeof(path), "%s/%s", SWITCHD_NETNS_DIR, de->d_name) >=
				    sizeof(path))
				continue;
			if (port_path_is_ns(path, p->netns_dev, p->netns_ino) == 1) {
				memcpy(p->netns, path, sizeof(p->netns));
				break;
			}
		}
		closedir(dir);
	}
	log_info("port %s: %s no longer leads to its network namespace: now %s", p->name, was, p->netns);
}
