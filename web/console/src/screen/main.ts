// The hall's display screen (/screen): a page of its own, without the consoles' session, signed in
// by the display token's cookie. It shows aggregates only; the hub's answer carries no personal data.
import { createApp } from 'vue'
import ScreenApp from './ScreenApp.vue'
import './screen.css'

createApp(ScreenApp).mount('#screen')
