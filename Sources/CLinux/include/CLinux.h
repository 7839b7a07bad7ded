// Linux interfaces Swift's Glibc module does not export: epoll and eventfd for the event queue, and mallopt.
#ifndef CLINUX_H
#define CLINUX_H
#ifdef __linux__
#include <malloc.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

static inline int cepoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }
static inline int cepoll_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }
static inline int cepoll_control(int epoll, int operation, int descriptor, unsigned int events) {
    struct epoll_event event = { .events = events, .data = { .fd = descriptor } };
    return epoll_ctl(epoll, operation, descriptor, &event);
}
static inline int cepoll_event_descriptor(const struct epoll_event *event) { return event->data.fd; }

// Allocations of at least `bytes` get their own mapping, returned to the system when freed. glibc otherwise raises
// this threshold after the first large free (up to 32 MiB), so one 25 MiB webhook body leaves its memory in the
// heap for good.
static inline int clinux_fix_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }

// At most `count` malloc arenas. glibc's default is eight per core, and each arena keeps its own freed memory: a
// server whose work hops across Dispatch's threads holds many half-empty heaps.
static inline int clinux_limit_arenas(int count) { return mallopt(M_ARENA_MAX, count); }

// Gives the system back the free pages inside every arena, not only at their tops (glibc 2.8 and later): a sync
// cycle's transient allocations (listings of thousands of items) otherwise stay resident until reused.
static inline int clinux_release_free_memory(void) { return malloc_trim(0); }
#endif
#endif
