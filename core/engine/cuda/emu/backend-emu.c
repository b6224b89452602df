/* The CUDA backend's C side against the host emulation (cuda-emu.h): backend "cuda-emu". */
#define ZC_CUDA_EMU 1
#include "../backend-cuda.c"
