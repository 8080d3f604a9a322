#include "engine/text_encode.h"

#include <cstring>

namespace tsr {

StatusOr<std::vector<int32_t>> prepare_ids(const std::vector<int32_t>& ids, int text_len, int vocab) {
  if (text_len < 1) return Error(Code::Internal, "text_len %d", text_len);
  std::vector<int32_t> out = ids;
  if (out.empty()) out.push_back(kEosId);
  if (int(out.size()) > text_len) {
    int32_t last = out.back();
    out.resize(size_t(text_len));
    out.back() = last;
  }
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i] < 0 || out[i] >= vocab)
      return Error(Code::InvalidArgument, "token id %d at position %zu is outside the vocabulary [0, %d)", out[i],
                   i, vocab);
  return out;
}

StatusOr<Tensor> encode_text(const UmT5Encoder& t5, const std::vector<int32_t>& ids, int text_len) {
  const int L = int(ids.size());
  if (L < 1 || L > text_len) return Error(Code::Internal, "encode_text: %d ids for text_len %d", L, text_len);
  std::vector<int32_t> padded(ids);
  padded.resize(size_t(text_len), 0);
  TSR_ASSIGN_OR_RETURN(Tensor all, t5.encode(padded, L));
  if (all.ndim() != 2 || all.dim(0) != text_len)
    return Error(Code::Internal, "text encoder returned %s for %d tokens", shape_str(all.shape()).c_str(), text_len);
  Tensor ctx = host_empty(DType::F32, {L, all.dim(1)});
  if (!ctx.data()) return Error(Code::OutOfMemory, "cannot allocate the text context");
  std::memcpy(ctx.data(), all.data(), ctx.nbytes());
  return ctx;
}

}  // namespace tsr
