// A small JSON reader for configs, safetensors headers, shard indexes and fixture metadata.
// Parse errors come back as CorruptFile with the byte offset.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace tsr {

class Json {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };

  static StatusOr<Json> parse(const std::string& text);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::Null; }
  bool is_number() const { return type_ == Type::Number; }
  bool is_string() const { return type_ == Type::String; }
  bool is_array() const { return type_ == Type::Array; }
  bool is_object() const { return type_ == Type::Object; }
  bool is_bool() const { return type_ == Type::Bool; }

  double number() const { return num_; }
  int64_t integer() const { return int64_t(num_); }
  bool boolean() const { return bool_; }
  const std::string& str() const { return str_; }
  const std::vector<Json>& items() const { return arr_; }
  const std::vector<std::pair<std::string, Json>>& members() const { return obj_; }

  // Object lookup; nullptr when absent or not an object.
  const Json* find(const std::string& key) const;
  // Typed lookups with defaults (wrong type counts as absent).
  double get_number(const std::string& key, double def) const;
  int64_t get_int(const std::string& key, int64_t def) const;
  bool get_bool(const std::string& key, bool def) const;
  std::string get_string(const std::string& key, const std::string& def) const;

  // Builders for writing JSON (metadata, tool output).
  static Json make_null() { return Json(); }
  static Json make_number(double v);
  static Json make_bool(bool v);
  static Json make_string(std::string v);
  static Json make_array(std::vector<Json> v);
  static Json make_object(std::vector<std::pair<std::string, Json>> v);
  std::string dump() const;

 private:
  Type type_ = Type::Null;
  double num_ = 0;
  bool bool_ = false;
  std::string str_;
  std::vector<Json> arr_;
  std::vector<std::pair<std::string, Json>> obj_;
  friend class JsonParser;
};

std::string json_escape(const std::string& s);  // quoted JSON string literal

}  // namespace tsr
