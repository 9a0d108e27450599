// libcurl from Debian's libcurl4-openssl-dev. curl_easy_setopt and curl_easy_getinfo are
// variadic, which Swift cannot call: these typed wrappers can be.
#include <curl/curl.h>

typedef size_t (*famol_curl_write_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode famol_curl_set_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode famol_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode famol_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode famol_curl_set_write_callback(CURL *handle, famol_curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}
static inline CURLcode famol_curl_set_header_callback(CURL *handle, famol_curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}
static inline CURLcode famol_curl_response_code(CURL *handle, long *code) {
    return curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, code);
}
