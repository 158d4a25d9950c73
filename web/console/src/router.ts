// Each console is a route of its own, loaded lazily: a phone downloads only the console it uses.
import { createRouter, createWebHistory } from 'vue-router'
import { me } from './lib/session'

export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    // The hub decides which console a role works in (GET /api/v1/me answers it as `console`).
    { path: '/', redirect: () => (me.value?.console || '/console/dispatch').replace('/console', '') },
    { path: '/operator', component: () => import('./views/OperatorConsole.vue'), meta: { title: '受理台' } },
    { path: '/dispatch', component: () => import('./views/DispatchConsole.vue'), meta: { title: '派遣台' } },
    { path: '/team', component: () => import('./views/TeamConsole.vue'), meta: { title: '处置台' } },
    { path: '/inspector', component: () => import('./views/InspectorConsole.vue'), meta: { title: '监督员' } },
    { path: '/admin', component: () => import('./views/AdminConsole.vue'), meta: { title: '系统管理' } },
    { path: '/leader', component: () => import('./views/LeaderConsole.vue'), meta: { title: '领导驾驶舱' } },
    { path: '/:rest(.*)*', component: () => import('./views/NotFound.vue') },
  ],
})

router.afterEach((to) => {
  document.title = `${(to.meta.title as string) || '城市管理'} · 城市管理指挥中心`
})
