// The Linux kernel key retention service (keyrings(7)), for what `syscall` (variadic, so not callable
// from Swift) offers: a store's key kept in the user's keyring for a working session, with a timeout.
#ifndef SUNSYNC_CKEYRING_H
#define SUNSYNC_CKEYRING_H
#include <stddef.h>
#include <stdint.h>

/// Adds (or replaces) a "user" key `description` in the user keyring, expiring after `seconds`. Returns its
/// serial number, or -1 with errno set.
int32_t sunsync_keyring_add(const char *description, const void *payload, size_t length, unsigned seconds);
/// Reads the payload of the user keyring's key `description` into `buffer`; returns its length, or -1 with errno.
long sunsync_keyring_read(const char *description, void *buffer, size_t capacity);
/// Removes the key `description` from the user keyring; 0 on success, or -1 with errno.
int sunsync_keyring_remove(const char *description);
#endif
