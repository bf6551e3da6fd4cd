// The compiled addon (src/stamped_socket.c); see index.d.ts for the API.

module.exports = require("./build/Release/stamped_socket.node");
