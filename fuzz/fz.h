/*
 * Shared pieces of the fuzz harnesses (fz_ prefix): the libFuzzer entry
 * points, a check that is never compiled out, a reader over the input and
 * fake ports that stand in for TAP and AF_PACKET, so the switch and the
 * control requests run with no kernel interface, socket or netlink.
 */
#ifndef SWITCHD_FZ_H
#define SWITCHD_FZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port.h"

/* What libFuzzer calls; fz_main.c calls the same for replay without libFuzzer. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input being replayed by fz_main.c, named in failure reports. */
extern const char *fz_current;

/*
 * An invariant. Not assert(): the normal build is RelWithDebInfo, which
 * defines NDEBUG, and the replay must check there too. abort() is what
 * libFuzzer and the sanitizers treat as a crash.
 */
#define fz_check(cond, ...)                                                \
	do {                                                               \
		if (!(cond))                                               \
			fz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);   \
	} while (0)

void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 4, 5)));

/* Consumes the input front to back; past its end every read gives zeros. */
struct fz_in {
	const uint8_t *p;
	size_t n;
};

uint8_t fz_u8(struct fz_in *in);
uint16_t fz_u16(struct fz_in *in);
/* Copies up to want bytes into dst and zero-fills the rest; returns how many came from the input. */
size_t fz_bytes(struct fz_in *in, uint8_t *dst, size_t want);

/* A small deterministic generator, so one input byte can steer many choices. */
uint32_t fz_rand(uint32_t *state);

/*
 * sw_init's 2 MiB receive buffer costs an mmap, ASan's shadow poisoning and
 * hundreds of page faults each time: milliseconds, most of an execution. The
 * harnesses are linked with -Wl,--wrap=malloc,--wrap=free so that a block of
 * exactly that size is kept between inputs instead; every other allocation
 * passes straight through. sw_init and sw_fini run unchanged.
 */
void *__wrap_malloc(size_t size);
void __wrap_free(void *ptr);
void *__real_malloc(size_t size);
void __real_free(void *ptr);

/*
 * Fake ports: fd -1 (so nothing is ever closed), ops that call the hooks
 * below. A harness sets the hooks it needs; NULL hooks accept every frame,
 * receive nothing and report the port alive.
 */
struct fz_port_hooks {
	unsigned (*tx)(struct port *p, const struct frame *const *f, unsigned n, int *err);
	int (*rx)(struct port *p, struct frame *f, unsigned n);
	bool (*alive)(struct port *p);
	/* Just before port_close frees p: the last look at its counters. */
	void (*closing)(struct port *p);
};

extern struct fz_port_hooks fz_hooks;

/* A calloc'd fake port, up, with the next free ifindex; priv is the harness's. */
struct port *fz_port_new(const char *name, uint32_t mtu, void *priv);
/* What port.c's port_name_valid takes (the kernel's dev_valid_name): stream ports are checked so. */
bool fz_name_valid(const char *name);

#endif
