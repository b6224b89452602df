/* The CUDA backend's op table against the host emulation (cuda-emu.h): backend "cuda-emu". */
#define ZC_CUDA_EMU 1
#include "../ops-cuda.c"
