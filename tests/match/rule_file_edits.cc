#include "match/rule_file_edits.h"

#include <fstream>
#include <stdexcept>

namespace klaxon::test {

void write_in_place(const fs::path& file, std::string_view text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

void write_and_rename(const fs::path& file, std::string_view text) {
  fs::path temp = file;
  temp += ".tmp";
  write_in_place(temp, text);
  fs::rename(temp, file);
}

ConfigMapDir::ConfigMapDir(fs::path dir, std::string name, std::string_view text)
    : dir_(std::move(dir)), name_(std::move(name)) {
  write_version(text);
  fs::create_symlink(fs::path("..data") / name_, dir_ / name_);
}

void ConfigMapDir::update(std::string_view text) {
  fs::path old = fs::read_symlink(dir_ / "..data");
  write_version(text);
  fs::remove_all(dir_ / old);
}

void ConfigMapDir::write_version(std::string_view text) {
  std::string version = "..2024_01_01_00_00_0" + std::to_string(++version_);
  fs::create_directory(dir_ / version);
  write_in_place(dir_ / version / name_, text);
  fs::create_symlink(version, dir_ / "..data_tmp");
  fs::rename(dir_ / "..data_tmp", dir_ / "..data");
}

}  // namespace klaxon::test
