/* Counts fdatasync() and fsync() calls of a process, for bench/run.py's group-commit check.
 *
 * Loaded with LD_PRELOAD into `sochat serve`; FSYNC_COUNTER_FILE names a 16-byte file that this library maps
 * shared and increments atomically: [0] fdatasync calls, [1] fsync calls (little-endian uint64). The benchmark
 * reads the file while the server runs, so the count costs the server one atomic add per call and nothing else.
 * In WAL mode with synchronous=FULL every SQLite commit is one sync of the WAL (checkpoints add a few more).
 *
 *     gcc -O2 -shared -fPIC -o fsync_counter.so fsync_counter.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t *counts;
static int (*real_fdatasync)(int);
static int (*real_fsync)(int);

__attribute__((constructor)) static void counter_init(void) {
    real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    const char *path = getenv("FSYNC_COUNTER_FILE");
    if (path == NULL) return;
    int fd = open(path, O_RDWR | O_CREAT, 0600);
    if (fd < 0) return;
    if (ftruncate(fd, 16) != 0) {
        close(fd);
        return;
    }
    void *map = mmap(NULL, 16, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (map != MAP_FAILED) counts = (uint64_t *)map;
}

int fdatasync(int fd) {
    if (counts != NULL) __atomic_fetch_add(&counts[0], 1, __ATOMIC_RELAXED);
    return real_fdatasync(fd);
}

int fsync(int fd) {
    if (counts != NULL) __atomic_fetch_add(&counts[1], 1, __ATOMIC_RELAXED);
    return real_fsync(fd);
}
