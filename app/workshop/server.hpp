// `cimsim workshop`: a local web server (cpp-httplib from Debian) serving one page, with every
// script and style embedded in the binary, and the JSON API of api.hpp plus a server-sent-event
// stream. Loopback only unless a host is given; Ctrl-C (SIGINT) or SIGTERM stops it cleanly.
#pragma once

#include "app/workshop/session.hpp"

#include <functional>
#include <string>

namespace cimsim::workshop {

struct ServeOptions {
  SessionOptions session;
  std::string host = "127.0.0.1";
  int port = 0;       // 0: a free port
  bool open = false;  // open the default browser (xdg-open)
  std::string command_line;
};

// The page (HTML with its scripts inlined), built once.
const std::string& page_html();
// The participants' page (/join).
const std::string& join_html();

// Runs the server until SIGINT/SIGTERM (or until `stop_flag` becomes true, for tests). Prints
// the URL on stdout. `on_ready(port)` is called once listening. Returns the exit status.
int serve(const ServeOptions& o, const std::function<void(int)>& on_ready = {});

}  // namespace cimsim::workshop
