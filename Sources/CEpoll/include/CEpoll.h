// epoll and eventfd for the Linux event queue; Swift's Glibc module does not export them.
#ifndef CEPOLL_H
#define CEPOLL_H
#ifdef __linux__
#include <sys/epoll.h>
#include <sys/eventfd.h>

static inline int cepoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }
static inline int cepoll_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }
static inline int cepoll_control(int epoll, int operation, int descriptor, unsigned int events) {
    struct epoll_event event = { .events = events, .data = { .fd = descriptor } };
    return epoll_ctl(epoll, operation, descriptor, &event);
}
static inline int cepoll_event_descriptor(const struct epoll_event *event) { return event->data.fd; }
#endif
#endif
