// The consoles' entry: who is signed in decides which console opens; a visitor without a session
// goes to the sign-in page.
import { createApp } from 'vue'
import 'element-plus/theme-chalk/base.css'
import './style.css'
import App from './App.vue'
import { router } from './router'
import { goToSignIn, loadSession } from './lib/session'
import { ApiError } from './lib/api'

async function boot() {
  try {
    await loadSession()
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return goToSignIn()
    document.getElementById('app')!.textContent = `无法连接指挥中心：${(e as Error).message}`
    return
  }
  createApp(App).use(router).mount('#app')
}

void boot()
