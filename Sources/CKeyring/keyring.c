#include "ckeyring.h"
#include <sys/syscall.h>
#include <unistd.h>
#include <errno.h>

#define KEY_SPEC_USER_KEYRING -4
#define KEYCTL_REVOKE 3
#define KEYCTL_UNLINK 9
#define KEYCTL_SEARCH 10
#define KEYCTL_READ 11
#define KEYCTL_SET_TIMEOUT 15

static long find(const char *description) {
    return syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", description, 0);
}

int32_t sunsync_keyring_add(const char *description, const void *payload, size_t length, unsigned seconds) {
    long serial = syscall(SYS_add_key, "user", description, payload, length, KEY_SPEC_USER_KEYRING);
    if (serial < 0) return -1;
    if (syscall(SYS_keyctl, KEYCTL_SET_TIMEOUT, serial, seconds) < 0) {
        syscall(SYS_keyctl, KEYCTL_REVOKE, serial);
        return -1;
    }
    return (int32_t)serial;
}

long sunsync_keyring_read(const char *description, void *buffer, size_t capacity) {
    long serial = find(description);
    if (serial < 0) return -1;
    return syscall(SYS_keyctl, KEYCTL_READ, serial, buffer, capacity);
}

int sunsync_keyring_remove(const char *description) {
    long serial = find(description);
    if (serial < 0) return -1;
    // Revoked first: a process that found it a moment ago can no longer read it.
    syscall(SYS_keyctl, KEYCTL_REVOKE, serial);
    return (int)syscall(SYS_keyctl, KEYCTL_UNLINK, serial, KEY_SPEC_USER_KEYRING);
}
