// The citizens' web form (/report) and status page (/track): a page of its own for a phone's
// browser, without sign-in and without the consoles' code. Its answers come from /report/api/.
import { createApp } from 'vue'
import ReportApp from './ReportApp.vue'
import './report.css'

createApp(ReportApp).mount('#report')
