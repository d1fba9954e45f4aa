/*
 * Stand-in for bcryptprimitives.dll's ProcessPrng, which Wine 8 (Debian bookworm) lacks.
 * Rust's std (1.78+) calls ProcessPrng on Windows for randomness (HashMap seeds etc.);
 * without it a Rust .exe fails to start under Wine with STATUS_DLL_NOT_FOUND (c0000135).
 * This DLL fills the buffer with advapi32's SystemFunction036 (RtlGenRandom), whose length
 * argument is a ULONG, so large requests are split into chunks of at most ULONG_MAX bytes.
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll processprng.c -ladvapi32
 */
#include <windows.h>
#include <limits.h>

/* Declared by hand: the mingw headers only expose it as RtlGenRandom behind a macro. */
__declspec(dllimport) BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > (SIZE_T)ULONG_MAX ? ULONG_MAX : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
    (void)inst; (void)reason; (void)reserved;
    return TRUE;
}
