// Minimal safetensors reader for the recurrent parity tests: 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets}, __metadata__: {str: str}}, then
// raw little-endian data. Only F32 tensors are decoded. Throws std::runtime_error on malformed
// files so a broken fixture fails its test instead of crashing.
#pragma once
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace nn_test::rnn_st {

struct tensor {
    std::vector<int64_t> shape;
    std::vector<float> data;
};

struct file {
    std::map<std::string, std::string> metadata;
    std::map<std::string, tensor> tensors;
    bool has(const std::string& k) const { return tensors.count(k) != 0; }
    const tensor& at(const std::string& k) const {
        auto it = tensors.find(k);
        if (it == tensors.end()) throw std::runtime_error("missing tensor " + k);
        return it->second;
    }
};

namespace detail {
// JSON subset: objects, arrays, strings (with simple escapes), integers.
struct json {
    enum kind_t { str, num, arr, obj } kind = num;
    std::string s;
    int64_t n = 0;
    std::vector<json> items;
    std::vector<std::pair<std::string, json>> fields;
};

struct parser {
    const std::string& t;
    size_t i = 0;
    void ws() {
        while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\r' || t[i] == '\t')) ++i;
    }
    char peek() {
        ws();
        if (i >= t.size()) throw std::runtime_error("safetensors: truncated header");
        return t[i];
    }
    void expect(char c) {
        if (peek() != c) throw std::runtime_error(std::string("safetensors: expected ") + c);
        ++i;
    }
    std::string string() {
        expect('"');
        std::string out;
        while (i < t.size() && t[i] != '"') {
            if (t[i] == '\\' && i + 1 < t.size()) {
                ++i;
                out += t[i] == 'n' ? '\n' : t[i];
            } else {
                out += t[i];
            }
            ++i;
        }
        expect('"');
        return out;
    }
    json value() {
        json v;
        char c = peek();
        if (c == '"') {
            v.kind = json::str;
            v.s = string();
        } else if (c == '[') {
            v.kind = json::arr;
            ++i;
            if (peek() == ']') { ++i; return v; }
            for (;;) {
                v.items.push_back(value());
                if (peek() == ',') { ++i; continue; }
                expect(']');
                break;
            }
        } else if (c == '{') {
            v.kind = json::obj;
            ++i;
            if (peek() == '}') { ++i; return v; }
            for (;;) {
                std::string k = string();
                expect(':');
                v.fields.emplace_back(k, value());
                if (peek() == ',') { ++i; continue; }
                expect('}');
                break;
            }
        } else {
            size_t start = i;
            while (i < t.size() && (t[i] == '-' || (t[i] >= '0' && t[i] <= '9'))) ++i;
            if (start == i) throw std::runtime_error("safetensors: unexpected character in header");
            v.n = std::stoll(t.substr(start, i - start));
        }
        return v;
    }
};
}  // namespace detail

inline file read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() < 8) throw std::runtime_error("safetensors: file too short");
    uint64_t n = 0;
    for (int b = 7; b >= 0; --b) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<size_t>(b)]);
    if (n > bytes.size() - 8) throw std::runtime_error("safetensors: header longer than file");
    std::string header(bytes.data() + 8, static_cast<size_t>(n));
    detail::parser p{header};
    detail::json root = p.value();
    const char* data = bytes.data() + 8 + n;
    const size_t data_size = bytes.size() - 8 - n;
    file f;
    for (auto& [name, v] : root.fields) {
        if (name == "__metadata__") {
            for (auto& [k, s] : v.fields) f.metadata[k] = s.s;
            continue;
        }
        std::string dtype;
        tensor t;
        int64_t lo = -1, hi = -1;
        for (auto& [k, s] : v.fields) {
            if (k == "dtype") dtype = s.s;
            if (k == "shape")
                for (auto& d : s.items) t.shape.push_back(d.n);
            if (k == "data_offsets" && s.items.size() == 2) lo = s.items[0].n, hi = s.items[1].n;
        }
        if (dtype != "F32") continue;
        if (lo < 0 || hi < lo || static_cast<size_t>(hi) > data_size || (hi - lo) % 4 != 0)
            throw std::runtime_error("safetensors: bad data_offsets for " + name);
        t.data.resize(static_cast<size_t>((hi - lo) / 4));
        std::memcpy(t.data.data(), data + lo, static_cast<size_t>(hi - lo));  // little-endian host
        f.tensors[name] = std::move(t);
    }
    return f;
}

}  // namespace nn_test::rnn_st
