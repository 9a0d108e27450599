// libzmq plus the Linux calls the socket threads use (Glibc's module does not export eventfd).
#include <zmq.h>
#include <sys/eventfd.h>
#include <poll.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

// zmq_msg_t is opaque to Swift's importer in some layouts; these helpers keep message handling
// in C with plain pointers.
static inline int famol_zmq_recv_frame(void *socket, void **data, size_t *size, int *more, int flags) {
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    int rc = zmq_msg_recv(&msg, socket, flags);
    if (rc < 0) { zmq_msg_close(&msg); return rc; }
    *size = zmq_msg_size(&msg);
    *data = NULL;
    if (*size > 0) {
        *data = malloc(*size);
        memcpy(*data, zmq_msg_data(&msg), *size);
    }
    *more = zmq_msg_more(&msg);
    zmq_msg_close(&msg);
    return rc;
}

// Receives one frame and throws it away (the rest of a message already over its limits).
static inline int famol_zmq_discard_frame(void *socket, size_t *size, int *more) {
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    int rc = zmq_msg_recv(&msg, socket, 0);
    if (rc < 0) { zmq_msg_close(&msg); return rc; }
    *size = zmq_msg_size(&msg);
    *more = zmq_msg_more(&msg);
    zmq_msg_close(&msg);
    return rc;
}

#include <sys/prctl.h>
#include <signal.h>
// Children of `famol local` ask the kernel to kill them when their parent dies, so no worker
// or coordinator outlives a killed supervisor. (prctl is variadic: Swift cannot call it.)
static inline int famol_die_with_parent(void) { return prctl(PR_SET_PDEATHSIG, SIGKILL); }
