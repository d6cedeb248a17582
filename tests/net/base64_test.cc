// base64 against RFC 4648's test vectors (section 10) and bytes above 0x7f.
#include "net/base64.h"

#include <gtest/gtest.h>

namespace klaxon {
namespace {

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foob"), "Zm9vYg==");
  EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
}

TEST(Base64, BytesAboveAsciiAndBasicAuth) {
  EXPECT_EQ(base64(std::string("\xff\xfe\x00", 3)), "//4A");
  EXPECT_EQ(base64("elastic:changeme"), "ZWxhc3RpYzpjaGFuZ2VtZQ==");
}

}  // namespace
}  // namespace klaxon
