{
  "targets": [
    {
      "target_name": "stamped_socket",
      "sources": ["src/stamped_socket.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"]
    }
  ]
}
