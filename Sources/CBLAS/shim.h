// OpenBLAS ships cblas.h under its pthread include folder on Debian (no cblas.pc).
#include <x86_64-linux-gnu/openblas-pthread/cblas.h>
