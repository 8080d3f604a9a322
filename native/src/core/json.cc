#include "core/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace tsr {

class JsonParser {
 public:
  explicit JsonParser(const std::string& s) : s_(s) {}

  StatusOr<Json> run() {
    Json v;
    TSR_RETURN_IF_ERROR(value(v, 0));
    ws();
    if (i_ != s_.size()) return err("trailing characters");
    return v;
  }

 private:
  const std::string& s_;
  size_t i_ = 0;

  Status err(const char* what) const {
    return Error(Code::CorruptFile, "invalid JSON at byte %zu: %s", i_, what);
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }
  bool lit(const char* w) {
    size_t n = std::char_traits<char>::length(w);
    if (s_.compare(i_, n, w) == 0) { i_ += n; return true; }
    return false;
  }

  Status value(Json& out, int depth) {
    if (depth > 64) return err("nesting too deep");
    ws();
    if (i_ >= s_.size()) return err("unexpected end");
    char c = s_[i_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') { out.type_ = Json::Type::String; return string(out.str_); }
    if (lit("true")) { out.type_ = Json::Type::Bool; out.bool_ = true; return OkStatus(); }
    if (lit("false")) { out.type_ = Json::Type::Bool; out.bool_ = false; return OkStatus(); }
    if (lit("null")) { out.type_ = Json::Type::Null; return OkStatus(); }
    // Python's json.dumps writes these for non-finite floats.
    if (lit("NaN")) { out.type_ = Json::Type::Number; out.num_ = NAN; return OkStatus(); }
    if (lit("Infinity")) { out.type_ = Json::Type::Number; out.num_ = INFINITY; return OkStatus(); }
    if (lit("-Infinity")) { out.type_ = Json::Type::Number; out.num_ = -INFINITY; return OkStatus(); }
    return number(out);
  }

  Status number(Json& out) {
    const char* begin = s_.c_str() + i_;
    char* end = nullptr;
    double v = std::strtod(begin, &end);
    if (end == begin) return err("expected a value");
    i_ += size_t(end - begin);
    out.type_ = Json::Type::Number;
    out.num_ = v;
    return OkStatus();
  }

  static void put_utf8(std::string& o, uint32_t cp) {
    if (cp < 0x80) o += char(cp);
    else if (cp < 0x800) { o += char(0xC0 | cp >> 6); o += char(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) {
      o += char(0xE0 | cp >> 12); o += char(0x80 | (cp >> 6 & 0x3F)); o += char(0x80 | (cp & 0x3F));
    } else {
      o += char(0xF0 | cp >> 18); o += char(0x80 | (cp >> 12 & 0x3F));
      o += char(0x80 | (cp >> 6 & 0x3F)); o += char(0x80 | (cp & 0x3F));
    }
  }

  Status hex4(uint32_t& cp) {
    if (i_ + 4 > s_.size()) return err("short \\u escape");
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      char h = s_[i_++];
      cp <<= 4;
      if (h >= '0' && h <= '9') cp |= uint32_t(h - '0');
      else if (h >= 'a' && h <= 'f') cp |= uint32_t(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') cp |= uint32_t(h - 'A' + 10);
      else return err("bad \\u escape");
    }
    return OkStatus();
  }

  Status string(std::string& out) {
    ++i_;  // opening quote
    out.clear();
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return OkStatus();
      if (c != '\\') { out += c; continue; }
      if (i_ >= s_.size()) break;
      char e = s_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = 0;
          TSR_RETURN_IF_ERROR(hex4(cp));
          if (cp >= 0xD800 && cp < 0xDC00 && lit("\\u")) {  // surrogate pair
            uint32_t lo = 0;
            TSR_RETURN_IF_ERROR(hex4(lo));
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          put_utf8(out, cp);
          break;
        }
        default: return err("bad escape");
      }
    }
    return err("unterminated string");
  }

  Status array(Json& out, int depth) {
    ++i_;
    out.type_ = Json::Type::Array;
    ws();
    if (i_ < s_.size() && s_[i_] == ']') { ++i_; return OkStatus(); }
    for (;;) {
      Json v;
      TSR_RETURN_IF_ERROR(value(v, depth + 1));
      out.arr_.push_back(std::move(v));
      ws();
      if (i_ >= s_.size()) return err("unterminated array");
      if (s_[i_] == ',') { ++i_; continue; }
      if (s_[i_] == ']') { ++i_; return OkStatus(); }
      return err("expected , or ]");
    }
  }

  Status object(Json& out, int depth) {
    ++i_;
    out.type_ = Json::Type::Object;
    ws();
    if (i_ < s_.size() && s_[i_] == '}') { ++i_; return OkStatus(); }
    for (;;) {
      ws();
      if (i_ >= s_.size() || s_[i_] != '"') return err("expected key");
      std::string key;
      TSR_RETURN_IF_ERROR(string(key));
      ws();
      if (i_ >= s_.size() || s_[i_] != ':') return err("expected :");
      ++i_;
      Json v;
      TSR_RETURN_IF_ERROR(value(v, depth + 1));
      out.obj_.emplace_back(std::move(key), std::move(v));
      ws();
      if (i_ >= s_.size()) return err("unterminated object");
      if (s_[i_] == ',') { ++i_; continue; }
      if (s_[i_] == '}') { ++i_; return OkStatus(); }
      return err("expected , or }");
    }
  }
};

StatusOr<Json> Json::parse(const std::string& text) { return JsonParser(text).run(); }

const Json* Json::find(const std::string& key) const {
  if (type_ != Type::Object) return nullptr;
  for (auto& [k, v] : obj_)
    if (k == key) return &v;
  return nullptr;
}

double Json::get_number(const std::string& key, double def) const {
  const Json* v = find(key);
  return v && v->is_number() ? v->num_ : def;
}
int64_t Json::get_int(const std::string& key, int64_t def) const {
  const Json* v = find(key);
  return v && v->is_number() ? int64_t(v->num_) : def;
}
bool Json::get_bool(const std::string& key, bool def) const {
  const Json* v = find(key);
  return v && v->is_bool() ? v->bool_ : def;
}
std::string Json::get_string(const std::string& key, const std::string& def) const {
  const Json* v = find(key);
  return v && v->is_string() ? v->str_ : def;
}

Json Json::make_number(double v) { Json j; j.type_ = Type::Number; j.num_ = v; return j; }
Json Json::make_bool(bool v) { Json j; j.type_ = Type::Bool; j.bool_ = v; return j; }
Json Json::make_string(std::string v) { Json j; j.type_ = Type::String; j.str_ = std::move(v); return j; }
Json Json::make_array(std::vector<Json> v) { Json j; j.type_ = Type::Array; j.arr_ = std::move(v); return j; }
Json Json::make_object(std::vector<std::pair<std::string, Json>> v) {
  Json j; j.type_ = Type::Object; j.obj_ = std::move(v); return j;
}

std::string json_escape(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (c < 0x20) { char b[8]; std::snprintf(b, sizeof b, "\\u%04x", c); o += b; }
        else o += char(c);
    }
  }
  return o + "\"";
}

std::string Json::dump() const {
  switch (type_) {
    case Type::Null: return "null";
    case Type::Bool: return bool_ ? "true" : "false";
    case Type::Number: {
      if (!std::isfinite(num_)) return "null";
      char b[40];
      if (num_ == std::floor(num_) && std::fabs(num_) < 1e15) std::snprintf(b, sizeof b, "%.0f", num_);
      else std::snprintf(b, sizeof b, "%.9g", num_);
      return b;
    }
    case Type::String: return json_escape(str_);
    case Type::Array: {
      std::string o = "[";
      for (size_t i = 0; i < arr_.size(); ++i) o += (i ? "," : "") + arr_[i].dump();
      return o + "]";
    }
    case Type::Object: {
      std::string o = "{";
      for (size_t i = 0; i < obj_.size(); ++i)
        o += (i ? "," : "") + json_escape(obj_[i].first) + ":" + obj_[i].second.dump();
      return o + "}";
    }
  }
  return "null";
}

}  // namespace tsr
