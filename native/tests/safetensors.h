// Minimal safetensors reader for the PyTorch parity fixtures: 8-byte little-endian header length,
// a JSON header {name: {dtype, shape, data_offsets}, __metadata__: {string: string}}, raw data.
// Only F32 tensors are decoded (all the conv/pool/norm fixtures hold). Enumerates a folder by prefix.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace nn_test {

struct tensor {
    std::vector<int64_t> shape;
    std::vector<float> data;
};

struct safetensors {
    std::map<std::string, tensor> tensors;
    std::map<std::string, std::string> meta;

    const tensor& at(const std::string& k) const {
        auto it = tensors.find(k);
        if (it == tensors.end()) throw std::runtime_error("fixture has no tensor " + k);
        return it->second;
    }
    bool has(const std::string& k) const { return tensors.count(k) != 0; }
    int64_t meta_int(const std::string& k, int64_t fallback) const {
        auto it = meta.find(k);
        return it == meta.end() ? fallback : std::stoll(it->second);
    }
    double meta_double(const std::string& k, double fallback) const {
        auto it = meta.find(k);
        return it == meta.end() ? fallback : std::stod(it->second);
    }
};

namespace detail {
struct json_cursor {
    const std::string& s;
    size_t i = 0;
    void ws() {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
    }
    void expect(char c) {
        ws();
        if (i >= s.size() || s[i] != c) throw std::runtime_error(std::string("safetensors header: expected ") + c);
        ++i;
    }
    bool peek(char c) {
        ws();
        return i < s.size() && s[i] == c;
    }
    std::string str() {
        expect('"');
        std::string out;
        while (i < s.size() && s[i] != '"') {
            if (s[i] == '\\') ++i;
            out += s[i++];
        }
        ++i;
        return out;
    }
    int64_t integer() {
        ws();
        size_t end = i;
        while (end < s.size() && (s[end] == '-' || (s[end] >= '0' && s[end] <= '9'))) ++end;
        int64_t v = std::stoll(s.substr(i, end - i));
        i = end;
        return v;
    }
    std::vector<int64_t> int_array() {
        std::vector<int64_t> v;
        expect('[');
        if (peek(']')) return ++i, v;
        for (;;) {
            v.push_back(integer());
            if (peek(',')) { ++i; continue; }
            expect(']');
            return v;
        }
    }
};
}  // namespace detail

inline safetensors read_safetensors(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot open " + path);
    uint64_t len = 0;
    f.read(reinterpret_cast<char*>(&len), 8);
    std::string header(len, '\0');
    f.read(&header[0], static_cast<std::streamsize>(len));
    std::vector<char> blob((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    safetensors st;
    detail::json_cursor c{header};
    c.expect('{');
    while (!c.peek('}')) {
        std::string name = c.str();
        c.expect(':');
        c.expect('{');
        std::string dtype;
        std::vector<int64_t> shape, offs;
        while (!c.peek('}')) {
            std::string key = c.str();
            c.expect(':');
            if (name == "__metadata__") {
                st.meta[key] = c.str();
            } else if (key == "dtype") {
                dtype = c.str();
            } else if (key == "shape") {
                shape = c.int_array();
            } else if (key == "data_offsets") {
                offs = c.int_array();
            } else {
                throw std::runtime_error("safetensors header: unexpected key " + key);
            }
            if (c.peek(',')) ++c.i;
        }
        c.expect('}');
        if (name != "__metadata__") {
            if (dtype != "F32" || offs.size() != 2) throw std::runtime_error("unsupported tensor " + name + " " + dtype);
            tensor t;
            t.shape = shape;
            t.data.resize(static_cast<size_t>(offs[1] - offs[0]) / 4);
            std::memcpy(t.data.data(), blob.data() + offs[0], static_cast<size_t>(offs[1] - offs[0]));
            st.tensors[name] = std::move(t);
        }
        if (c.peek(',')) ++c.i;
    }
    return st;
}

// The parity folder: $NATIVENET_PARITY_DIR, else ../shared/parity beside the repository.
inline std::string parity_dir() {
    if (const char* e = std::getenv("NATIVENET_PARITY_DIR")) return e;
    std::string here = __FILE__;  // <repo>/native/tests/safetensors.h
    std::string repo = here.substr(0, here.rfind("/native/tests/"));
    for (std::string cand : {repo + "/../shared/parity", repo + "/../../shared/parity", std::string("/work/shared/parity")}) {
        struct stat sb;
        if (stat(cand.c_str(), &sb) == 0 && S_ISDIR(sb.st_mode)) return cand;
    }
    return "";
}

// Fixture files in the parity folder whose name starts with prefix, sorted.
inline std::vector<std::string> fixtures(const std::string& prefix) {
    std::vector<std::string> out;
    std::string dir = parity_dir();
    if (dir.empty()) return out;
    if (DIR* d = opendir(dir.c_str())) {
        while (dirent* e = readdir(d)) {
            std::string n = e->d_name;
            if (n.rfind(prefix, 0) == 0 && n.size() > 12 && n.substr(n.size() - 12) == ".safetensors")
                out.push_back(dir + "/" + n);
        }
        closedir(d);
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace nn_test
