#include "io/unpickler.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <unordered_map>

namespace tsr {

namespace {

enum class Kind : uint8_t { None, Bool, Int, Float, Str, Tuple, List, Dict, Global, Storage, Tensor };

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::None: return "None";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::Str: return "str";
    case Kind::Tuple: return "tuple";
    case Kind::List: return "list";
    case Kind::Dict: return "dict";
    case Kind::Global: return "global";
    case Kind::Storage: return "storage";
    case Kind::Tensor: return "tensor";
  }
  return "?";
}

struct Obj;
using Ref = std::shared_ptr<Obj>;

struct Obj {
  Kind kind = Kind::None;
  int64_t i = 0;        // Int, Bool; Storage: numel
  double f = 0;         // Float
  std::string s;        // Str; Global: "module.name"; Storage: key
  DType dtype = DType::F32;  // Storage
  std::vector<Ref> items;    // Tuple, List
  std::vector<std::pair<Ref, Ref>> dict;
  PickledTensor tensor;  // Tensor (name unset)
};

// Globals the stream may name; anything else is refused at the GLOBAL opcode itself.
bool allowed_global(const std::string& g) {
  static const char* kAllowed[] = {
      "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
      "torch.FloatStorage",      "torch.BFloat16Storage",           "torch.HalfStorage",
  };
  for (const char* a : kAllowed)
    if (g == a) return true;
  return false;
}

bool storage_dtype(const std::string& g, DType& out) {
  if (g == "torch.FloatStorage") out = DType::F32;
  else if (g == "torch.BFloat16Storage") out = DType::BF16;
  else if (g == "torch.HalfStorage") out = DType::F16;
  else return false;
  return true;
}

class Unpickler {
 public:
  Unpickler(const uint8_t* d, size_t n) : d_(d), n_(n) {}

  // Containers may reference each other (even cyclically through the memo); clearing them
  // all at the end frees everything without deep recursion.
  ~Unpickler() {
    for (auto& o : containers_) {
      o->items.clear();
      o->dict.clear();
    }
  }

  StatusOr<Ref> run();

 private:
  const uint8_t* d_;
  size_t n_;
  size_t pos_ = 0, op_pos_ = 0;
  std::vector<Ref> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Ref> memo_;
  std::vector<Ref> containers_;

  Status corrupt(const char* what) const {
    return Error(Code::CorruptFile, "data.pkl: %s at byte %zu", what, op_pos_);
  }
  Status unsupported(const std::string& what) const {
    return Error(Code::Unsupported, "data.pkl: %s at byte %zu is not allowed in a state dict (nothing was executed)",
                 what.c_str(), op_pos_);
  }

  Ref make(Kind k) {
    auto o = std::make_shared<Obj>();
    o->kind = k;
    if (k == Kind::Tuple || k == Kind::List || k == Kind::Dict) containers_.push_back(o);
    return o;
  }
  Ref make_int(int64_t v) {
    Ref o = make(Kind::Int);
    o->i = v;
    return o;
  }

  Status need(size_t k) const {
    return k <= n_ - pos_ ? OkStatus() : Error(Code::CorruptFile, "data.pkl: truncated at byte %zu", op_pos_);
  }
  uint64_t le(size_t k) {  // little-endian unsigned of k bytes (after need())
    uint64_t v = 0;
    for (size_t j = 0; j < k; ++j) v |= uint64_t(d_[pos_ + j]) << (8 * j);
    pos_ += k;
    return v;
  }
  StatusOr<std::string> line() {  // GLOBAL's newline-terminated names
    size_t start = pos_;
    while (pos_ < n_ && d_[pos_] != '\n') ++pos_;
    if (pos_ >= n_) return corrupt("unterminated GLOBAL name");
    std::string s(reinterpret_cast<const char*>(d_ + start), pos_ - start);
    ++pos_;
    return s;
  }

  StatusOr<Ref> pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) return corrupt("stack underflow");
    Ref r = std::move(stack_.back());
    stack_.pop_back();
    return r;
  }
  StatusOr<Ref> top() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) return corrupt("stack underflow");
    return stack_.back();
  }
  StatusOr<std::vector<Ref>> pop_to_mark() {
    if (marks_.empty()) return corrupt("no MARK to pop to");
    size_t m = marks_.back();
    marks_.pop_back();
    std::vector<Ref> out(std::make_move_iterator(stack_.begin() + ptrdiff_t(m)), std::make_move_iterator(stack_.end()));
    stack_.resize(m);
    return out;
  }
  Status push_str(size_t len) {
    TSR_RETURN_IF_ERROR(need(len));
    Ref o = make(Kind::Str);
    o->s.assign(reinterpret_cast<const char*>(d_ + pos_), len);
    pos_ += len;
    stack_.push_back(std::move(o));
    return OkStatus();
  }
  Status push_global(const std::string& module, const std::string& name) {
    std::string g = module + "." + name;
    if (!allowed_global(g)) return unsupported("global '" + g + "'");
    Ref o = make(Kind::Global);
    o->s = g;
    stack_.push_back(std::move(o));
    return OkStatus();
  }
  Status memo_put(uint64_t idx) {
    TSR_ASSIGN_OR_RETURN(Ref t, top());
    memo_[idx] = t;
    return OkStatus();
  }
  Status memo_get(uint64_t idx) {
    auto it = memo_.find(idx);
    if (it == memo_.end()) return corrupt("memo reference to an unset slot");
    stack_.push_back(it->second);
    return OkStatus();
  }
  Status set_items(Ref& dict, std::vector<Ref>& kv) {
    if (dict->kind != Kind::Dict) return corrupt("SETITEM(S) on a non-dict");
    if (kv.size() % 2) return corrupt("SETITEMS with an odd number of items");
    for (size_t j = 0; j < kv.size(); j += 2) dict->dict.emplace_back(std::move(kv[j]), std::move(kv[j + 1]));
    return OkStatus();
  }

  Status persistent_load(const Ref& pid);
  Status reduce(const Ref& callable, const Ref& args);
  Status step(uint8_t op, bool& done);
};

Status Unpickler::persistent_load(const Ref& pid) {
  // ('storage', <storage class>, key, location, numel)
  const auto& t = pid->items;
  if (pid->kind != Kind::Tuple || t.size() != 5 || t[0]->kind != Kind::Str || t[0]->s != "storage" ||
      t[1]->kind != Kind::Global || t[2]->kind != Kind::Str || t[3]->kind != Kind::Str || t[4]->kind != Kind::Int)
    return unsupported("persistent id that is not a torch storage");
  Ref s = make(Kind::Storage);
  if (!storage_dtype(t[1]->s, s->dtype)) return unsupported("storage type '" + t[1]->s + "'");
  s->s = t[2]->s;
  s->i = t[4]->i;
  if (s->i < 0) return corrupt("negative storage size");
  stack_.push_back(std::move(s));
  return OkStatus();
}

Status Unpickler::reduce(const Ref& callable, const Ref& args) {
  if (callable->kind != Kind::Global) return unsupported(std::string("calling a ") + kind_name(callable->kind));
  if (args->kind != Kind::Tuple) return corrupt("REDUCE arguments are not a tuple");
  const std::string& g = callable->s;
  const auto& a = args->items;
  if (g == "collections.OrderedDict") {
    if (!a.empty()) return unsupported("OrderedDict built from arguments");
    stack_.push_back(make(Kind::Dict));
    return OkStatus();
  }
  if (g == "torch._utils._rebuild_parameter") {
    // (data, requires_grad, backward_hooks): the parameter is its data tensor.
    if (a.size() != 3 || a[0]->kind != Kind::Tensor) return corrupt("malformed _rebuild_parameter call");
    stack_.push_back(a[0]);
    return OkStatus();
  }
  if (g == "torch._utils._rebuild_tensor_v2") {
    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    if ((a.size() != 6 && a.size() != 7) || a[0]->kind != Kind::Storage || a[1]->kind != Kind::Int ||
        a[2]->kind != Kind::Tuple || a[3]->kind != Kind::Tuple || a[2]->items.size() != a[3]->items.size())
      return corrupt("malformed _rebuild_tensor_v2 call");
    if (a[2]->items.size() > 8) return unsupported("tensor of more than 8 dimensions");
    Ref t = make(Kind::Tensor);
    PickledTensor& pt = t->tensor;
    pt.dtype = a[0]->dtype;
    pt.storage_key = a[0]->s;
    pt.storage_numel = a[0]->i;
    pt.offset = a[1]->i;
    for (size_t j = 0; j < a[2]->items.size(); ++j) {
      const Ref& sz = a[2]->items[j];
      const Ref& st = a[3]->items[j];
      if (sz->kind != Kind::Int || st->kind != Kind::Int || sz->i < 0 || st->i < 0)
        return corrupt("tensor size or stride is not a non-negative integer");
      pt.shape.push_back(sz->i);
      pt.stride.push_back(st->i);
    }
    if (pt.offset < 0) return corrupt("negative storage offset");
    stack_.push_back(std::move(t));
    return OkStatus();
  }
  return unsupported("calling '" + g + "'");
}

Status Unpickler::step(uint8_t op, bool& done) {
  switch (op) {
    case 0x80: {  // PROTO
      TSR_RETURN_IF_ERROR(need(1));
      uint64_t v = le(1);
      if (v < 2 || v > 5) return unsupported("pickle protocol " + std::to_string(v));
      return OkStatus();
    }
    case 0x95:  // FRAME (protocol 4): a length prefix only
      TSR_RETURN_IF_ERROR(need(8));
      le(8);
      return OkStatus();
    case '}': stack_.push_back(make(Kind::Dict)); return OkStatus();
    case ']': stack_.push_back(make(Kind::List)); return OkStatus();
    case ')': stack_.push_back(make(Kind::Tuple)); return OkStatus();
    case '(': marks_.push_back(stack_.size()); return OkStatus();
    case 'N': stack_.push_back(make(Kind::None)); return OkStatus();
    case 0x88: case 0x89: {  // NEWTRUE, NEWFALSE
      Ref b = make(Kind::Bool);
      b->i = op == 0x88;
      stack_.push_back(std::move(b));
      return OkStatus();
    }
    case 'X': TSR_RETURN_IF_ERROR(need(4)); return push_str(size_t(le(4)));  // BINUNICODE
    case 0x8c: TSR_RETURN_IF_ERROR(need(1)); return push_str(size_t(le(1)));  // SHORT_BINUNICODE
    case 0x8d: {  // BINUNICODE8
      TSR_RETURN_IF_ERROR(need(8));
      uint64_t len = le(8);
      if (len > n_) return corrupt("string longer than the stream");
      return push_str(size_t(len));
    }
    case 'K': TSR_RETURN_IF_ERROR(need(1)); stack_.push_back(make_int(int64_t(le(1)))); return OkStatus();
    case 'M': TSR_RETURN_IF_ERROR(need(2)); stack_.push_back(make_int(int64_t(le(2)))); return OkStatus();
    case 'J': TSR_RETURN_IF_ERROR(need(4)); stack_.push_back(make_int(int64_t(int32_t(uint32_t(le(4)))))); return OkStatus();
    case 0x8a: {  // LONG1: n-byte little-endian two's complement
      TSR_RETURN_IF_ERROR(need(1));
      size_t k = size_t(le(1));
      if (k > 8) return unsupported("integer wider than 64 bits");
      TSR_RETURN_IF_ERROR(need(k));
      uint64_t v = le(k);
      if (k > 0 && k < 8 && (v >> (8 * k - 1)) & 1) v |= ~uint64_t(0) << (8 * k);  // sign-extend
      stack_.push_back(make_int(int64_t(v)));
      return OkStatus();
    }
    case 'G': {  // BINFLOAT, big-endian double
      TSR_RETURN_IF_ERROR(need(8));
      uint64_t bits = 0;
      for (int j = 0; j < 8; ++j) bits = bits << 8 | d_[pos_ + j];
      pos_ += 8;
      Ref o = make(Kind::Float);
      std::memcpy(&o->f, &bits, 8);
      stack_.push_back(std::move(o));
      return OkStatus();
    }
    case 'q': TSR_RETURN_IF_ERROR(need(1)); return memo_put(le(1));   // BINPUT
    case 'r': TSR_RETURN_IF_ERROR(need(4)); return memo_put(le(4));   // LONG_BINPUT
    case 0x94: return memo_put(memo_.size());                         // MEMOIZE
    case 'h': TSR_RETURN_IF_ERROR(need(1)); return memo_get(le(1));   // BINGET
    case 'j': TSR_RETURN_IF_ERROR(need(4)); return memo_get(le(4));   // LONG_BINGET
    case 't': {  // TUPLE
      TSR_ASSIGN_OR_RETURN(auto items, pop_to_mark());
      Ref t = make(Kind::Tuple);
      t->items = std::move(items);
      stack_.push_back(std::move(t));
      return OkStatus();
    }
    case 0x85: case 0x86: case 0x87: {  // TUPLE1..3
      size_t k = size_t(op - 0x84);
      Ref t = make(Kind::Tuple);
      t->items.resize(k);
      for (size_t j = k; j-- > 0;) {
        TSR_ASSIGN_OR_RETURN(t->items[j], pop());
      }
      stack_.push_back(std::move(t));
      return OkStatus();
    }
    case 'c': {  // GLOBAL "module\nname\n"
      TSR_ASSIGN_OR_RETURN(std::string module, line());
      TSR_ASSIGN_OR_RETURN(std::string name, line());
      return push_global(module, name);
    }
    case 0x93: {  // STACK_GLOBAL
      TSR_ASSIGN_OR_RETURN(Ref name, pop());
      TSR_ASSIGN_OR_RETURN(Ref module, pop());
      if (module->kind != Kind::Str || name->kind != Kind::Str) return corrupt("STACK_GLOBAL of non-strings");
      return push_global(module->s, name->s);
    }
    case 'Q': {  // BINPERSID
      TSR_ASSIGN_OR_RETURN(Ref pid, pop());
      return persistent_load(pid);
    }
    case 'R': {  // REDUCE
      TSR_ASSIGN_OR_RETURN(Ref args, pop());
      TSR_ASSIGN_OR_RETURN(Ref callable, pop());
      return reduce(callable, args);
    }
    case 'b': {  // BUILD: only OrderedDict's state (its _metadata attribute), which is dropped
      TSR_ASSIGN_OR_RETURN(Ref state, pop());
      TSR_ASSIGN_OR_RETURN(Ref obj, top());
      if (obj->kind != Kind::Dict) return unsupported(std::string("BUILD on a ") + kind_name(obj->kind));
      return OkStatus();
    }
    case 's': {  // SETITEM
      TSR_ASSIGN_OR_RETURN(Ref v, pop());
      TSR_ASSIGN_OR_RETURN(Ref k, pop());
      TSR_ASSIGN_OR_RETURN(Ref dict, top());
      std::vector<Ref> kv{std::move(k), std::move(v)};
      return set_items(dict, kv);
    }
    case 'u': {  // SETITEMS
      TSR_ASSIGN_OR_RETURN(auto kv, pop_to_mark());
      TSR_ASSIGN_OR_RETURN(Ref dict, top());
      return set_items(dict, kv);
    }
    case 'a': case 'e': {  // APPEND, APPENDS
      std::vector<Ref> vals;
      if (op == 'a') {
        TSR_ASSIGN_OR_RETURN(Ref v, pop());
        vals.push_back(std::move(v));
      } else {
        TSR_ASSIGN_OR_RETURN(vals, pop_to_mark());
      }
      TSR_ASSIGN_OR_RETURN(Ref list, top());
      if (list->kind != Kind::List) return corrupt("APPEND to a non-list");
      for (auto& v : vals) list->items.push_back(std::move(v));
      return OkStatus();
    }
    case '.': done = true; return OkStatus();  // STOP
    default: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "opcode 0x%02x", unsigned(op));
      if (op >= 0x20 && op < 0x7f) std::snprintf(buf, sizeof buf, "opcode 0x%02x ('%c')", unsigned(op), char(op));
      return unsupported(buf);
    }
  }
}

StatusOr<Ref> Unpickler::run() {
  bool done = false;
  while (!done) {
    if (pos_ >= n_) return Error(Code::CorruptFile, "data.pkl: truncated at byte %zu (no STOP)", pos_);
    op_pos_ = pos_;
    uint8_t op = d_[pos_++];
    TSR_RETURN_IF_ERROR(step(op, done));
  }
  if (stack_.size() != 1 || !marks_.empty()) return corrupt("STOP with a stack that does not hold one object");
  return stack_.back();
}

// Flattens {name: tensor} (nested dicts joined with '.') into `out`.
Status collect(const Ref& dict, const std::string& prefix, int depth, std::vector<PickledTensor>& out) {
  if (depth > 8) return Error(Code::CorruptFile, "data.pkl: dicts nested too deep");
  for (const auto& [k, v] : dict->dict) {
    if (k->kind != Kind::Str) return Error(Code::CorruptFile, "data.pkl: state-dict key is a %s, not a str", kind_name(k->kind));
    std::string name = prefix + k->s;
    if (v->kind == Kind::Dict) {
      TSR_RETURN_IF_ERROR(collect(v, name + ".", depth + 1, out));
    } else if (v->kind == Kind::Tensor) {
      out.push_back(v->tensor);
      out.back().name = name;
    } else {
      return Error(Code::Unsupported, "data.pkl: '%s' is a %s, not a tensor", name.c_str(), kind_name(v->kind));
    }
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::vector<PickledTensor>> unpickle_state_dict(const uint8_t* data, size_t size) {
  Unpickler u(data, size);
  TSR_ASSIGN_OR_RETURN(Ref root, u.run());
  if (root->kind != Kind::Dict)
    return Error(Code::Unsupported, "data.pkl holds a %s, not a state dict", kind_name(root->kind));
  std::vector<PickledTensor> out;
  TSR_RETURN_IF_ERROR(collect(root, "", 0, out));
  // A repeated key keeps its last value, as a Python dict would.
  std::vector<PickledTensor> unique;
  std::unordered_map<std::string, size_t> seen;
  for (auto& t : out) {
    auto [it, fresh] = seen.emplace(t.name, unique.size());
    if (fresh) unique.push_back(std::move(t));
    else unique[it->second] = std::move(t);
  }
  return unique;
}

}  // namespace tsr
