/* The CUDA backend's kernels (kernels.cu) compiled for the host: every launch runs its grid
 * block by block, each block as ONE thread (blockDim.x = 1), so that the grid-stride loops
 * and the block reductions visit every element in order.  What this cannot check is what a
 * real launch adds: many threads per block, their barriers and their races. */
#define ZC_CUDA_EMU 1
#include <algorithm>
#include <functional>

namespace {
struct ZcEmuDim { unsigned x; };
thread_local ZcEmuDim threadIdx, blockIdx, blockDim, gridDim;
void zc_emu_launch(unsigned grid, const std::function<void()> &kernel) {
  ZcEmuDim saved[4] = {threadIdx, blockIdx, blockDim, gridDim};
  gridDim.x = grid;
  blockDim.x = 1;
  threadIdx.x = 0;
  for (unsigned b = 0; b < grid; b++) {
    blockIdx.x = b;
    kernel();
  }
  threadIdx = saved[0]; blockIdx = saved[1]; blockDim = saved[2]; gridDim = saved[3];
}
inline int min(int a, int b) { return std::min(a, b); }
inline int max(int a, int b) { return std::max(a, b); }
}  // namespace

#define __global__
#define __device__
#define __host__
#define __shared__
#define __syncthreads() ((void) 0)
#define ZC_LAUNCH(kernel, grid, stream, ...) zc_emu_launch((grid), [&]() { kernel(__VA_ARGS__); })
#include "../kernels.cu"
