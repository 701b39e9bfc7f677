// What the mini-program runtime provides and the simulator does not: getApp() and
// getCurrentPages(). Each test sets the app's globalData (the API client) itself.
global.__app = { globalData: {} }
global.getApp = () => global.__app
global.getCurrentPages = () => []
