/*
 * A fault-injecting PKCS#11 library for tests (test/support/pkcs11-fault-shim.ts compiles and drives it).
 *
 * It is a PKCS#11 library in its own right: C_GetFunctionList dlopens the real library named by the environment
 * variable XKS_PKCS11_SHIM_TARGET (read once, on the first call), copies that library's CK_FUNCTION_LIST into a static
 * one and replaces C_Encrypt, C_Decrypt, C_EncryptInit, C_DecryptInit and C_GenerateRandom with the wrappers below;
 * every other function is the real library's own.
 * The faults are therefore injected inside the native call, whichever thread of the process makes it (libuv's pool
 * for pkcs11js's *Async calls, a worker thread, the main thread).
 *
 * On every wrapped call the wrapper reads the control file named by XKS_PKCS11_SHIM_CONTROL (the path is read once,
 * with the target). Its content, leading and trailing white space ignored:
 *   (file absent or empty)  forward unchanged
 *   device-error            C_Encrypt/C_Decrypt return CKR_DEVICE_ERROR (0x30) without forwarding
 *   delay <ms>              C_Encrypt/C_Decrypt sleep <ms> milliseconds in the calling thread, then forward
 *   delay-init <ms>         C_EncryptInit/C_DecryptInit/C_GenerateRandom sleep, then forward (where a proxy runs
 *                           an operation's set-up calls shows: on its event loop, everything stalls)
 *   corrupt-decrypt         C_Decrypt forwards, then flips the first byte of a successful answer (a device that
 *                           decrypts wrongly without an error: what a check-decrypt is for)
 *   anything else           forward unchanged
 *
 * Thread-safe: the one-time set-up runs under pthread_once; a wrapper uses only its own stack buffers and the
 * read-only state the set-up left. It never prints data, keys or PINs: only the target's path and dlerror() when the
 * target cannot be loaded.
 *
 * Build: gcc -shared -fPIC -I node_modules/pkcs11js/includes -o fault-shim.so fault-shim.c -ldl -pthread
 */
#define _POSIX_C_SOURCE 200809L /* O_CLOEXEC, nanosleep */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * pkcs11js ships the OASIS headers with the platform macros (CK_PTR, CK_DECLARE_FUNCTION, CK_DECLARE_FUNCTION_POINTER,
 * CK_CALLBACK_FUNCTION, NULL_PTR) already defined inside pkcs11.h for Linux and Windows, which is why its own
 * src/common.h includes <pkcs11/pkcs11.h> directly. The stock OASIS header leaves them to the includer; defining the
 * Unix ones here when missing keeps this file buildable against either.
 */
#ifndef CK_PTR
#define CK_PTR *
#endif
#include <pkcs11/pkcs11.h>

#define CONTROL_MAX 64 /* longer control content is not a command: forwarded */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CK_RV setup_rv = CKR_GENERAL_ERROR;
static CK_FUNCTION_LIST shim_list;
static CK_FUNCTION_LIST_PTR real_list = NULL;
static char control_path[4096];

static CK_RV shim_Encrypt(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR);
static CK_RV shim_Decrypt(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR);
static CK_RV shim_EncryptInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE);
static CK_RV shim_DecryptInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE);
static CK_RV shim_GenerateRandom(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG);

/* Loads the target and builds shim_list; its outcome is setup_rv. Runs once per process. */
static void setup(void) {
  const char *target = getenv("XKS_PKCS11_SHIM_TARGET");
  const char *control = getenv("XKS_PKCS11_SHIM_CONTROL");
  if (control != NULL && strlen(control) < sizeof control_path) strcpy(control_path, control);
  if (target == NULL || target[0] == '\0') {
    fprintf(stderr, "fault-shim: XKS_PKCS11_SHIM_TARGET is not set\n");
    return;
  }
  void *lib = dlopen(target, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    fprintf(stderr, "fault-shim: cannot load %s: %s\n", target, dlerror());
    return;
  }
  CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
  if (get == NULL) {
    fprintf(stderr, "fault-shim: %s has no C_GetFunctionList\n", target);
    return;
  }
  CK_RV rv = get(&real_list);
  if (rv != CKR_OK || real_list == NULL) {
    setup_rv = rv != CKR_OK ? rv : CKR_GENERAL_ERROR;
    return;
  }
  shim_list = *real_list;
  shim_list.C_GetFunctionList = C_GetFunctionList;
  shim_list.C_Encrypt = shim_Encrypt;
  shim_list.C_Decrypt = shim_Decrypt;
  shim_list.C_EncryptInit = shim_EncryptInit;
  shim_list.C_DecryptInit = shim_DecryptInit;
  shim_list.C_GenerateRandom = shim_GenerateRandom;
  setup_rv = CKR_OK;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList) {
  if (ppFunctionList == NULL) return CKR_ARGUMENTS_BAD;
  pthread_once(&once, setup);
  if (setup_rv != CKR_OK) return setup_rv;
  *ppFunctionList = &shim_list;
  return CKR_OK;
}

enum fault { FORWARD, DEVICE_ERROR, DELAY, DELAY_INIT, CORRUPT_DECRYPT };

/* Reads the control file now; *delay_ms is set for DELAY. Any read problem means FORWARD. */
static enum fault read_fault(unsigned long *delay_ms) {
  if (control_path[0] == '\0') return FORWARD;
  int fd = open(control_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FORWARD;
  char buf[CONTROL_MAX + 1];
  ssize_t n;
  do n = read(fd, buf, CONTROL_MAX + 1); while (n < 0 && errno == EINTR);
  close(fd);
  if (n <= 0 || n > CONTROL_MAX) return FORWARD;
  buf[n] = '\0';
  char *start = buf;
  while (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r') start++;
  char *end = start + strlen(start);
  while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r')) *--end = '\0';
  if (strcmp(start, "device-error") == 0) return DEVICE_ERROR;
  if (strcmp(start, "corrupt-decrypt") == 0) return CORRUPT_DECRYPT;
  int init = strncmp(start, "delay-init ", 11) == 0;
  if (init || strncmp(start, "delay ", 6) == 0) {
    char *digits = start + (init ? 11 : 6), *rest;
    errno = 0;
    unsigned long ms = strtoul(digits, &rest, 10);
    if (rest == digits || *rest != '\0' || errno != 0 || ms > 600000UL) return FORWARD;
    *delay_ms = ms;
    return init ? DELAY_INIT : DELAY;
  }
  return FORWARD;
}

/* Sleeps the calling thread for ms milliseconds, resuming after signals. */
static void sleep_ms(unsigned long ms) {
  struct timespec left = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

/* CKR_OK: forward the call; anything else: return it instead. */
static CK_RV inject(void) {
  unsigned long ms = 0;
  switch (read_fault(&ms)) {
    case DEVICE_ERROR:
      return CKR_DEVICE_ERROR;
    case DELAY:
      sleep_ms(ms);
      return CKR_OK;
    default:
      return CKR_OK;
  }
}

/* The set-up calls of an operation (C_EncryptInit, C_DecryptInit, C_GenerateRandom): `delay-init <ms>` sleeps here. */
static void inject_init(void) {
  unsigned long ms = 0;
  if (read_fault(&ms) == DELAY_INIT) sleep_ms(ms);
}

static CK_RV shim_EncryptInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) {
  inject_init();
  return real_list->C_EncryptInit(s, m, k);
}

static CK_RV shim_DecryptInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) {
  inject_init();
  return real_list->C_DecryptInit(s, m, k);
}

static CK_RV shim_GenerateRandom(CK_SESSION_HANDLE s, CK_BYTE_PTR out, CK_ULONG len) {
  inject_init();
  return real_list->C_GenerateRandom(s, out, len);
}

static CK_RV shim_Encrypt(CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG inLen, CK_BYTE_PTR out, CK_ULONG_PTR outLen) {
  CK_RV rv = inject();
  return rv != CKR_OK ? rv : real_list->C_Encrypt(s, in, inLen, out, outLen);
}

static CK_RV shim_Decrypt(CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG inLen, CK_BYTE_PTR out, CK_ULONG_PTR outLen) {
  unsigned long ms = 0;
  if (read_fault(&ms) == CORRUPT_DECRYPT) {
    /* A device that decrypts wrongly without saying so: the real answer with its first byte flipped. */
    CK_RV real = real_list->C_Decrypt(s, in, inLen, out, outLen);
    if (real == CKR_OK && out != NULL && outLen != NULL && *outLen > 0) out[0] ^= 0xff;
    return real;
  }
  CK_RV rv = inject();
  return rv != CKR_OK ? rv : real_list->C_Decrypt(s, in, inLen, out, outLen);
}
